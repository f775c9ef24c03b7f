package io.convserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NativePlatformTest {

    @ParameterizedTest
    @CsvSource({"Linux, amd64, linux-x86_64", "Linux, aarch64, linux-arm64", "Mac OS X, aarch64, macosx-arm64"})
    void platformWhenSupportedIsJavaCppsName(String os, String arch, String expected) {
        assertThat(NativePlatform.platform(os, arch)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource({"Windows 11, amd64", "Mac OS X, x86_64", "Linux, ppc64le", "Linux, arm", "FreeBSD, amd64"})
    void problemWhenPlatformUnsupportedIsOneLineNamingTheSupportedOnes(String os, String arch) {
        assertThat(NativePlatform.problem(os, arch, getClass().getClassLoader())).hasValueSatisfying(message -> {
            assertThat(message).isEqualTo("convserve runs on Linux x86-64, Linux arm64 and macOS arm64 (the platforms"
                    + " ND4J's native libraries are built for); this is " + os + " " + arch + ".");
            assertThat(message).doesNotContain("\n");
        });
    }

    @org.junit.jupiter.api.Test
    void problemWhenThisPlatformsNativesAreOnTheClassPathIsEmpty() {
        assertThat(NativePlatform.problem(System.getProperty("os.name"), System.getProperty("os.arch"),
                getClass().getClassLoader())).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void problemWhenBuiltOnAnotherPlatformSaysToBuildHere() {
        ClassLoader empty = new URLClassLoader(new URL[0], null);
        assertThat(NativePlatform.problem("Linux", "aarch64", empty)).contains("convserve: this build has no ND4J"
                + " native libraries for linux-arm64 (it was built on another platform); build it here with"
                + " ./mvnw package.");
    }

    /** The container image takes the natives out of the jars once they are extracted to a folder of the library path. */
    @org.junit.jupiter.api.Test
    void nativesInAFolderOfTheLibraryPathAreEnough(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ClassLoader empty = new URLClassLoader(new URL[0], null);
        assertThat(NativePlatform.problem("Linux", "amd64", empty, dir.toString())).isPresent();
        java.nio.file.Files.createFile(dir.resolve("libjnind4jcpu.so"));
        assertThat(NativePlatform.problem("Linux", "amd64", empty, "/nonexistent:" + dir)).isEmpty();
    }
}
