package io.convserve;

import java.util.Map;
import java.util.Optional;

/**
 * The platforms ND4J's native libraries are built in for (the pom's platform profiles): Linux x86-64, Linux arm64
 * and macOS arm64. Checked before anything loads ND4J, so that another platform gets one clear line instead of a
 * JavaCPP stack trace.
 */
final class NativePlatform {

    /** JavaCPP's platform name to the library the platform's profile puts on the class path. */
    private static final Map<String, String> LIBRARIES = Map.of(
            "linux-x86_64", "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn-avx2/libjnind4jcpu.so",
            "linux-arm64", "org/nd4j/linalg/cpu/nativecpu/bindings/linux-arm64/libjnind4jcpu.so",
            "macosx-arm64", "org/nd4j/linalg/cpu/nativecpu/bindings/macosx-arm64/libjnind4jcpu.dylib");

    static final String SUPPORTED = "Linux x86-64, Linux arm64 and macOS arm64";

    private NativePlatform() {
    }

    /** JavaCPP's name of the platform of {@code os.name} and {@code os.arch}, or empty when it is not supported. */
    static Optional<String> platform(String osName, String osArch) {
        String os = osName.toLowerCase(java.util.Locale.ROOT);
        String arch = osArch.toLowerCase(java.util.Locale.ROOT);
        String name = (os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macosx" : os)
                + "-" + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : arch);
        return LIBRARIES.containsKey(name) ? Optional.of(name) : Optional.empty();
    }

    /**
     * Why this JVM cannot run the engine, in one line, or empty when it can: an unsupported platform, or a build
     * made on another platform (its natives are not on the class path).
     */
    static Optional<String> problem(String osName, String osArch, ClassLoader loader) {
        return problem(osName, osArch, loader, System.getProperty("java.library.path", ""));
    }

    /**
     * As above; the library may also sit in a folder of {@code libraryPath} (the container image extracts the natives
     * to one at build time and takes them out of the jars).
     */
    static Optional<String> problem(String osName, String osArch, ClassLoader loader, String libraryPath) {
        Optional<String> platform = platform(osName, osArch);
        if (platform.isEmpty()) {
            return Optional.of("convserve runs on " + SUPPORTED + " (the platforms ND4J's native libraries are built"
                    + " for); this is " + osName + " " + osArch + ".");
        }
        String library = LIBRARIES.get(platform.get());
        String fileName = library.substring(library.lastIndexOf('/') + 1);
        boolean onPath = java.util.Arrays.stream(libraryPath.split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && java.nio.file.Files.isRegularFile(java.nio.file.Path.of(dir, fileName)));
        if (!onPath && loader.getResource(library) == null) {
            return Optional.of("convserve: this build has no ND4J native libraries for " + platform.get()
                    + " (it was built on another platform); build it here with ./mvnw package.");
        }
        return Optional.empty();
    }

    /** Stops the JVM with the one-line reason when the engine cannot run here. */
    static void checkOrExit() {
        problem(System.getProperty("os.name"), System.getProperty("os.arch"), NativePlatform.class.getClassLoader())
                .ifPresent(message -> {
                    System.err.println(message);
                    System.exit(2);
                });
    }
}
