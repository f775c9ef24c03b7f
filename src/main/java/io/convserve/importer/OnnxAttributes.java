package io.convserve.importer;

import io.convserve.importer.onnx.OnnxProto.AttributeProto;
import io.convserve.importer.onnx.OnnxProto.NodeProto;
import java.util.List;

/** Reading a node's attributes, with ONNX's defaults where one is absent. */
final class OnnxAttributes {

    private OnnxAttributes() {
    }

    static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long longAttr(NodeProto n, String name, long defaultValue) {
        AttributeProto a = attr(n, name);
        return a == null ? defaultValue : a.getI();
    }

    static float floatAttr(NodeProto n, String name, float defaultValue) {
        AttributeProto a = attr(n, name);
        return a == null ? defaultValue : a.getF();
    }

    static String stringAttr(NodeProto n, String name, String defaultValue) {
        AttributeProto a = attr(n, name);
        return a == null ? defaultValue : a.getS().toStringUtf8();
    }

    /** An integer attribute that is one value or a pair ({@code [h, w]}), as our layer configs take it. */
    static Object pairAttr(NodeProto n, String name, int defaultValue) {
        AttributeProto a = attr(n, name);
        if (a == null) {
            return defaultValue;
        }
        List<Integer> v = ints(a, "attribute " + name);
        return v.size() == 2 ? v : v.get(0);
    }

    static List<Integer> ints(AttributeProto a, String where) {
        if (a == null) {
            throw new ImportException(where + " is required");
        }
        return a.getIntsList().stream().map(Long::intValue).toList();
    }

    static long[] longs(AttributeProto a) {
        return a == null ? new long[0] : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }
}
