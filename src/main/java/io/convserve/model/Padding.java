package io.convserve.model;

import java.util.List;

/**
 * How a convolution or pooling window is padded: explicit amounts, TensorFlow's {@code "same"}
 * or {@code "valid"} (none).
 */
public sealed interface Padding {

    Padding NONE = new Explicit(0, 0, 0, 0);

    /** Explicit padding in pixels on each side. */
    record Explicit(int top, int bottom, int left, int right) implements Padding {
        public boolean isZero() {
            return top == 0 && bottom == 0 && left == 0 && right == 0;
        }

        public boolean isSymmetric() {
            return top == bottom && left == right;
        }

        @Override
        public Object describe() {
            return isSymmetric() ? List.of(top, left) : List.of(top, bottom, left, right);
        }
    }

    /** TensorFlow's "same": {@code out = ceil(in / stride)}, the smaller half of the padding first. */
    record Same() implements Padding {
        @Override
        public Object describe() {
            return "same";
        }
    }

    /** No padding. */
    record Valid() implements Padding {
        @Override
        public Object describe() {
            return "valid";
        }
    }

    /** The value as it appears in a layer's {@code config} and in error messages. */
    Object describe();
}
