package io.convserve.system;

import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J's native side at start-up: applies {@code inference.threads} and logs which native build runs and what it
 * can use, so that a slow or crashing host can be diagnosed from the first lines of the log.
 *
 * <p>The service ships libnd4j's {@code linux-x86_64-onednn-avx2} build: AVX2 is the highest level it requires, so
 * it runs on any x86-64 CPU of the last ten years, and oneDNN picks its kernels at run time from what the CPU
 * offers (AVX-512 included). {@code binaryLevel} and {@code optimalLevel} in the log say what the binary needs and
 * what the CPU could use.
 */
final class NativeRuntime {

    private static final Logger log = LoggerFactory.getLogger(NativeRuntime.class);

    private NativeRuntime() {
    }

    /** Applies the thread setting (0: the host's cores) and logs the native build. */
    static void configure(int threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        int use = threads > 0 ? threads : cores;
        Nd4j.getEnvironment().setMaxThreads(use);
        Nd4j.getEnvironment().setMaxMasterThreads(use);
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        String build = ops.buildInfo();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        log.info("nd4j natives: onednn={} helpers_allowed={} binary_level={} optimal_level={} "
                        + "optimal_requirements_met={} threads={} cores={} blas={} build=\"{}\"",
                build.contains("ONEDNN"), Nd4j.getEnvironment().helpersAllowed(), level(ops.binaryLevel()),
                level(ops.optimalLevel()), ops.isOptimalRequirementsMet(), Nd4j.getEnvironment().maxThreads(), cores,
                env.getProperty("blas.vendor"), build.replaceAll("\\s+", " ").trim());
    }

    private static String level(int level) {
        return switch (level) {
            case 0 -> "generic";
            case 1 -> "avx";
            case 2 -> "avx2";
            case 3 -> "avx512";
            default -> Integer.toString(level);
        };
    }
}
