package io.convserve;

import ch.qos.logback.classic.Level;
import io.convserve.importer.ImportCommand;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ConvserveApplication {
    /** Starts the service, or with {@code import ...} imports a Keras/ONNX file into a repository and exits. */
    public static void main(String[] args) {
        NativePlatform.checkOrExit();
        if (args.length > 0 && args[0].equals("import")) {
            // the command's own output only: ND4J and jhdf log their start-up at INFO
            if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
                root.setLevel(Level.WARN);
            }
            System.exit(ImportCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        SpringApplication.run(ConvserveApplication.class, args);
    }
}
