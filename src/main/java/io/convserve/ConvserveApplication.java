package io.convserve;

import io.convserve.importer.ImportCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ConvserveApplication {
    /** Starts the service, or with {@code import ...} imports a Keras/ONNX file into a repository and exits. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("import")) {
            System.exit(ImportCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        SpringApplication.run(ConvserveApplication.class, args);
    }
}
