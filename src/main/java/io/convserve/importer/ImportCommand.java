package io.convserve.importer;

import io.convserve.model.LayerSummary;
import io.convserve.model.Summary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar convserve.jar import <file> --name N [--version V] --repository DIR [--replace]}: imports a
 * Keras or ONNX file into the model repository without starting the server. Exit codes: 0 imported, 1 the file
 * cannot be imported (the reason is printed), 2 usage error.
 */
public final class ImportCommand {

    static final String USAGE = "usage: import <model.keras|model.h5|model.onnx> --name NAME [--version N (default 1)] "
            + "--repository DIR [--replace]";

    private ImportCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path file = null;
        String name = null;
        String version = "1";
        Path repository = null;
        boolean replace = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--name" -> name = args[++i];
                    case "--version" -> version = args[++i];
                    case "--repository" -> repository = Path.of(args[++i]);
                    case "--replace" -> replace = true;
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("--") || file != null) {
                            err.println("unexpected argument '" + args[i] + "'\n" + USAGE);
                            return 2;
                        }
                        file = Path.of(args[i]);
                    }
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            err.println("option '" + args[args.length - 1] + "' needs a value\n" + USAGE);
            return 2;
        }
        if (file == null || name == null || repository == null) {
            err.println("missing " + (file == null ? "the model file" : name == null ? "--name" : "--repository")
                    + "\n" + USAGE);
            return 2;
        }
        try {
            RepositoryWriter.checkName(name);
            RepositoryWriter.checkVersion(version);
        } catch (ImportException e) {
            err.println(e.getMessage() + "\n" + USAGE);
            return 2;
        }
        try {
            ImportedModel model = ModelImporter.read(file);
            RepositoryWriter.Installation installation = new RepositoryWriter().install(model, repository, name,
                    version, replace);
            installation.commit();
            Summary summary = installation.verified().network().summary();
            out.printf("imported %s as model '%s' version %s into %s%n", file.getFileName(), name, version,
                    repository.toAbsolutePath().normalize().resolve(name));
            out.printf("%-28s %-20s %-22s %12s%n", "layer", "type", "output shape", "parameters");
            for (LayerSummary l : summary.layers()) {
                out.printf("%-28s %-20s %-22s %,12d%n", l.name(), l.type(), l.outputShape(), l.parameters());
            }
            out.printf("total parameters: %,d (trainable %,d, non-trainable %,d)%n", summary.totals().parameters(),
                    summary.totals().trainableParameters(), summary.totals().nonTrainableParameters());
            model.notes().forEach(n -> out.println("note: " + n));
            return 0;
        } catch (ImportException e) {
            err.println("import failed: " + e.getMessage());
            return 1;
        }
    }
}
