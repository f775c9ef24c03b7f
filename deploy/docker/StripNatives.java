import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Image build step: removes the native libraries from JavaCPP's platform jars (ND4J, OpenBLAS, JavaCPP itself) once
 * they have been extracted to /opt/convserve/natives, which the service loads them from (java.library.path,
 * pathsFirst): the image then holds them once. Other jars (Netty's, JNA's) keep theirs.
 *
 * <p>Run with the JDK's source launcher: {@code java StripNatives.java <BOOT-INF/lib folder>}.
 */
public class StripNatives {

    public static void main(String[] args) throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of(args[0]),
                "{nd4j-native,openblas,javacpp}-*-linux-*.jar")) {
            for (Path jar : jars) {
                strip(jar);
            }
        }
    }

    private static void strip(Path jar) throws IOException {
        Path out = jar.resolveSibling(jar.getFileName() + ".tmp");
        long removed = 0;
        try (InputStream raw = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(raw);
             OutputStream file = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().matches(".*\\.so(\\.[0-9]+)*")) {
                    removed += in.transferTo(OutputStream.nullOutputStream());
                    continue;
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(zip);
                zip.closeEntry();
            }
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("%s: %d MB of native libraries removed%n", jar.getFileName(), removed >> 20);
    }
}
