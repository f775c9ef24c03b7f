package io.convserve.importer;

import io.convserve.importer.onnx.OnnxProto.NodeProto;
import java.util.ArrayList;
import java.util.List;

/** Layer names for ONNX nodes, so that {@code /layers} rows line up with the PyTorch modules torchinfo shows. */
final class OnnxNames {

    private OnnxNames() {
    }

    /**
     * A layer name: the module path of a PyTorch export ("/features/features.0/Conv" gives "features.0", the name
     * torchinfo shows), else the node name, else the weight's prefix ("fc.weight" gives "fc"); null when none.
     */
    static String wanted(NodeProto n) {
        String node = n.getName();
        String wanted = null;
        boolean dynamo = n.getMetadataPropsList().stream().anyMatch(p -> p.getKey().startsWith("pkg.torch.onnx"))
                || node.startsWith("node_");
        // dynamo: the weight's prefix first (a convolution with a BatchNorm2d fused into it keeps the conv's
        // weight name but may carry the norm's scope), then the module scope
        if (dynamo && n.getInputCount() > 1 && n.getInput(1).endsWith(".weight")) {
            wanted = n.getInput(1).substring(0, n.getInput(1).length() - ".weight".length());
        }
        if (wanted == null) {
            wanted = moduleScope(n);
        }
        if (wanted == null && node.startsWith("/")) {
            String[] parts = node.split("/");
            wanted = parts.length >= 3 ? parts[parts.length - 2] : null;
        }
        if (wanted == null && !node.isEmpty() && !node.startsWith("/")) {
            wanted = node;
        }
        if (wanted == null && n.getInputCount() > 1 && n.getInput(1).endsWith(".weight")) {
            wanted = n.getInput(1).substring(0, n.getInput(1).length() - ".weight".length());
        }
        return wanted;
    }

    /**
     * The PyTorch module path that torch.onnx's dynamo exporter records in the node's metadata
     * ({@code pkg.torch.onnx.name_scopes = ['', 'features', 'features.0', 'conv2d']}: the root, then each module's
     * full path, then the operation; gives "features.0"), or null.
     */
    private static String moduleScope(NodeProto n) {
        for (var p : n.getMetadataPropsList()) {
            if (p.getKey().equals("pkg.torch.onnx.name_scopes")) {
                String v = p.getValue().trim();
                if (!v.startsWith("[") || !v.endsWith("]")) {
                    return null;
                }
                List<String> parts = new ArrayList<>();
                for (String part : v.substring(1, v.length() - 1).split(",")) {
                    parts.add(part.trim().replaceAll("^'|'$", ""));
                }
                String module = parts.size() > 2 ? parts.get(parts.size() - 2) : "";
                return module.isEmpty() ? null : module;
            }
        }
        return null;
    }
}
