package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one shape formula, table-driven. Expected values are PyTorch's (explicit padding, ceil_mode) and
 * TensorFlow's ("same": smaller half first), checked by hand and against the golden files.
 */
class WindowTest {

    private static Padding padding(String spec) {
        return switch (spec) {
            case "same" -> new Padding.Same();
            case "valid" -> new Padding.Valid();
            default -> {
                int p = Integer.parseInt(spec);
                yield new Padding.Explicit(p, p, p, p);
            }
        };
    }

    @ParameterizedTest(name = "in={0} k={1} s={2} d={3} pad={4} ceil={5} -> out={6}, pad {7}+{8}(+{9})")
    @CsvSource({
            // in, kernel, stride, dilation, padding, ceil, out, before, after, extra
            "227, 11, 4, 1, 0,     false, 55, 0, 0, 0",   // AlexNet conv1
            "224, 11, 4, 1, 2,     false, 55, 2, 2, 0",   // torchvision AlexNet conv1
            "55,  3,  2, 1, 0,     false, 27, 0, 0, 0",   // overlapping max pool
            "13,  3,  2, 1, 0,     false, 6,  0, 0, 0",
            "28,  5,  1, 1, 2,     false, 28, 2, 2, 0",   // LeNet conv1
            "10,  3,  1, 2, 0,     false, 6,  0, 0, 0",   // dilation 2: effective kernel 5
            "8,   3,  2, 1, 0,     false, 3,  0, 0, 0",
            "8,   3,  2, 1, 0,     true,  4,  0, 0, 1",   // ceil_mode adds a window reaching past the input
            "5,   2,  2, 1, 1,     true,  3,  1, 1, 0",   // ceil_mode: a last window starting in the padding is dropped
            "6,   3,  2, 1, 1,     true,  4,  1, 1, 1",
            "7,   3,  2, 1, valid, false, 3,  0, 0, 0",
            "7,   3,  2, 1, same,  false, 4,  1, 1, 0",   // TF: out = ceil(7/2) = 4, total padding 2
            "8,   3,  2, 1, same,  false, 4,  0, 1, 0",   // TF: total padding 1, the smaller half (0) on top
            "8,   4,  2, 1, same,  false, 4,  1, 1, 0",
            "9,   4,  1, 1, same,  false, 9,  1, 2, 0",   // odd total: 1 before, 2 after
            "10,  3,  1, 2, same,  false, 10, 2, 2, 0",   // dilation with same
            "5,   7,  1, 1, same,  false, 5,  3, 3, 0",   // kernel larger than the input
            "8,   11, 4, 1, 0,     false, 0,  0, 0, 0",   // impossible: reported by the layer
    })
    void outputSizeAndPaddingFollowTheFrameworkRule(int in, int kernel, int stride, int dilation, String pad,
                                                     boolean ceil, int out, int before, int after, int extra) {
        Window window = new Window(kernel, kernel, stride, stride, dilation, dilation, padding(pad), ceil);

        Window.Resolved r = window.resolve(in, in);

        assertThat(r.outH()).isEqualTo(out);
        assertThat(r.outW()).isEqualTo(out);
        if (out > 0) {
            assertThat(new int[] {r.top(), r.bottom(), r.extraBottom()}).containsExactly(before, after, extra);
            assertThat(new int[] {r.left(), r.right(), r.extraRight()}).containsExactly(before, after, extra);
        }
    }

    @ParameterizedTest(name = "asymmetric explicit padding {0}")
    @CsvSource({"1, 2, 0, 3, 9, 13, 11, 14"})
    void explicitPaddingAppliesEachSide(int top, int bottom, int left, int right, int inH, int inW, int outH,
                                        int outW) {
        Window window = new Window(2, 3, 1, 1, 1, 1, new Padding.Explicit(top, bottom, left, right), false);

        Window.Resolved r = window.resolve(inH, inW);

        assertThat(r.outH()).isEqualTo(outH);
        assertThat(r.outW()).isEqualTo(outW);
    }
}
