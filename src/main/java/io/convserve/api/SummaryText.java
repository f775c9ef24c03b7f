package io.convserve.api;

import io.convserve.model.LayerSummary;
import io.convserve.model.Summary;
import java.util.List;
import java.util.Locale;

/** A plain-text layer table in the manner of Keras' {@code model.summary()}. */
final class SummaryText {

    private SummaryText() {
    }

    static String render(String title, Summary summary) {
        String header = row("Layer (type)", "Input shape", "Output shape", "Param #", "MACs");
        String rule = "=".repeat(header.length());
        StringBuilder sb = new StringBuilder();
        sb.append(title).append('\n').append(rule).append('\n').append(header).append('\n').append(rule).append('\n');
        for (LayerSummary l : summary.layers()) {
            sb.append(row(l.name() + " (" + l.type() + ")", shape(l.inputShape()), shape(l.outputShape()),
                    count(l.parameters()), count(l.macs()))).append('\n');
        }
        Summary.Totals t = summary.totals();
        sb.append(rule).append('\n')
                .append("Total params: ").append(count(t.parameters())).append(" (").append(bytes(t.parameterBytes()))
                .append(")\n")
                .append("Trainable params: ").append(count(t.trainableParameters())).append('\n')
                .append("Non-trainable params: ").append(count(t.nonTrainableParameters())).append('\n')
                .append("Total MACs: ").append(count(t.macs())).append(" (batch ").append(summary.batchSize())
                .append(")\n")
                .append("Activations: ").append(bytes(t.activationBytes())).append('\n');
        return sb.toString();
    }

    private static String row(String name, String in, String out, String params, String macs) {
        return String.format(Locale.ROOT, "%-34s %-20s %-20s %14s %16s", name, in, out, params, macs).stripTrailing();
    }

    private static String shape(List<Long> dims) {
        return dims.toString();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String bytes(long n) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
