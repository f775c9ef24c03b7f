package io.convserve.bench;

import io.convserve.model.Network;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ForwardBenchmark} and prints the table of docs/benchmarks.md: images/s of both engines, their ratio,
 * and our engine's GFLOP/s (2 x MACs per image) as a share of the FMA peak given in {@code -Dpeak.gflops}.
 * Arguments are JMH's own (e.g. {@code -f 1 -wi 3 -i 5 -p model=alexnet}).
 */
public final class BenchReport {

    private BenchReport() {
    }

    public static void main(String[] args) throws Exception {
        Options cli = new CommandLineOptions(args);
        // ONNX exports and reference outputs, made here so that the ONNX Runtime forks never load ND4J
        // only the models and batch sizes this run measures (-p model=... -p batch=...): VGG-16 at batch 32 would
        // take minutes to export
        java.util.List<String> models = java.util.List.copyOf(cli.getParameter("model")
                .orElse(java.util.List.of("lenet5", "alexnet")));
        java.util.List<Integer> batches = cli.getParameter("batch").orElse(java.util.List.of("1", "8", "32"))
                .stream().map(Integer::parseInt).toList();
        ForwardBenchmark.export(models, batches);
        Options options = new OptionsBuilder().parent(cli).include(ForwardBenchmark.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(options).run();
        double peak = Double.parseDouble(System.getProperty("peak.gflops", "0"));
        Map<String, double[]> rows = new TreeMap<>();
        Map<String, Long> macs = new TreeMap<>();
        for (RunResult r : results) {
            Map<String, String> p = Map.of("model", r.getParams().getParam("model"), "batch",
                    r.getParams().getParam("batch"), "engine", r.getParams().getParam("engine"));
            int batch = Integer.parseInt(p.get("batch"));
            String key = String.format("%-8s %3d", p.get("model"), batch);
            double[] row = rows.computeIfAbsent(key, k -> new double[6]);
            double imagesPerSecond = r.getPrimaryResult().getScore() * batch;
            double error = r.getPrimaryResult().getScoreError() * batch;
            if (p.get("engine").equals("convserve")) {
                row[0] = imagesPerSecond;
                row[1] = error;
            } else if (p.get("engine").equals("convserve-native")) {
                row[4] = imagesPerSecond;
                row[5] = error;
            } else {
                row[2] = imagesPerSecond;
                row[3] = error;
            }
            macs.computeIfAbsent(p.get("model"), m -> {
                Network n = ForwardBenchmark.load(m).network();
                return n.summary().totals().macs();
            });
        }
        System.out.println();
        System.out.println("| model | batch | convserve img/s | ONNX Runtime img/s | ratio | convserve GFLOP/s "
                + "| % of FMA peak | native kernels only img/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            String[] key = e.getKey().trim().split("\\s+");
            double[] v = e.getValue();
            double gflops = v[0] * 2.0 * macs.get(key[0]) / 1e9;
            System.out.println(String.format(Locale.ROOT,
                    "| %s | %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.2f | %.1f | %s | %,.0f ± %,.0f |",
                    key[0], key[1], v[0], v[1], v[2], v[3], v[2] > 0 ? v[0] / v[2] : Double.NaN, gflops,
                    peak > 0 ? String.format(Locale.ROOT, "%.0f %%", 100 * gflops / peak) : "-", v[4], v[5]));
        }
    }
}
