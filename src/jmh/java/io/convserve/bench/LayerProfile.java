package io.convserve.bench;

import io.convserve.model.ExecutionPlan;
import io.convserve.model.Network;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a planned forward pass spends its time, layer by layer (docs/benchmarks.md):
 * {@code java -cp target/bench/pathing.jar io.convserve.bench.LayerProfile alexnet 8 [auto|native]
 * [mean|fastest]}.
 */
public final class LayerProfile {

    private LayerProfile() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "alexnet";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        double peak = Double.parseDouble(System.getProperty("peak.gflops", "0"));
        Network network = ForwardBenchmark.load(model).network();
        // a third argument "native" runs every step that has a native kernel on it (what the Java kernels replace)
        ExecutionPlan plan = args.length > 2 && args[2].equals("native")
                ? network.plan(batch, io.convserve.model.Kernel.NATIVE) : network.plan(batch);
        var input = Nd4j.create(ForwardBenchmark.input((int) (network.inputShape().elements() * batch)),
                network.inputShape().withBatch(batch), 'c');
        // warm-up scaled to the pass: about 2 s of passes before the 20 measured (LeNet needs thousands)
        long t0 = System.nanoTime();
        plan.profile(input, 5);
        long warmups = Math.max(5, 2_000_000_000L / Math.max(1, (System.nanoTime() - t0) / 5));
        plan.profile(input, (int) Math.min(warmups, 20_000));
        // a fourth argument "fastest" reports each step's fastest of 200 runs (a loaded, shared machine)
        boolean fastest = args.length > 3 && args[3].equals("fastest");
        Map<String, Long> nanos = fastest ? plan.profile(input, 200, true) : plan.profile(input, 20);
        long total = nanos.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(Locale.ROOT, "%s batch %d: %.2f ms per pass, %.0f img/s%n", model, batch, total / 1e6,
                batch * 1e9 / total);
        System.out.println("| step | op | kernel | layouts | ms | share | GFLOP/s |");
        System.out.println("|---|---|---|---|---:|---:|---:|");
        Map<String, Long> macs = new java.util.HashMap<>();
        network.summary().layers().forEach(l -> macs.put(l.name(), l.macs()));
        for (ExecutionPlan.StepInfo step : plan.steps()) {
            String label = ExecutionPlan.label(step);
            long ns = nanos.get(label);
            long stepMacs = step.layers().stream().mapToLong(name -> macs.getOrDefault(name, 0L)).sum();
            double gflops = 2.0 * stepMacs * batch / ns;
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s -> %s | %.3f | %.0f %% | %s |%n", label, step.op(),
                    step.kernel(), step.inputLayout(), step.outputLayout(), ns / 1e6, 100.0 * ns / total,
                    stepMacs > 0 ? String.format(Locale.ROOT, "%.1f%s", gflops, peak > 0
                            ? String.format(Locale.ROOT, " (%.0f %%)", 100 * gflops / peak) : "") : "");
        }
    }
}
