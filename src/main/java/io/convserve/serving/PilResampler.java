package io.convserve.serving;

/**
 * Pillow's {@code Image.resize(size, BILINEAR)} on 8-bit images, to the same integers: the separable convolution of
 * Pillow's Resample.c, horizontal pass first, each output pixel a weighted sum of the input pixels under a triangle
 * filter centred on it. When shrinking, the filter is widened by the scale factor, so every input pixel contributes
 * (antialiasing: a 4000-pixel photo is not point-sampled down to 224); when enlarging it is 2 pixels wide. Weights
 * are normalised per output pixel, rounded to 22-bit fixed point, and each pass rounds and clips to 0-255, as
 * Pillow does, so the result matches PIL (and torchvision's {@code Resize} on PIL images) pixel for pixel.
 */
final class PilResampler {

    /** Pillow's PRECISION_BITS: 32 - 8 (sample) - 2 (headroom for negative and overshooting weights). */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampler() {
    }

    /** Bilinear resize to {@code width x height}; the same image when the size does not change. */
    static Pixels resize(Pixels in, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("cannot resize to " + width + "x" + height);
        }
        Pixels out = in;
        if (width != in.width) {
            out = horizontal(out, Coefficients.of(in.width, width));
        }
        if (height != in.height) {
            out = vertical(out, Coefficients.of(in.height, height));
        }
        return out;
    }

    /**
     * For each output position, the first input index, how many inputs it reads, and their fixed-point weights
     * ({@code ksize} per output, zero-padded): Pillow's precompute_coeffs and normalize_coeffs_8bpc.
     */
    private record Coefficients(int[] first, int[] count, int[] weights, int ksize) {

        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the triangle's support is 1, widened when shrinking
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[outSize * ksize];
            double[] k = new double[ksize];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double inverse = 1.0 / filterScale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize) - min;
                double sum = 0;
                for (int i = 0; i < max; i++) {
                    double w = triangle((i + min - center + 0.5) * inverse);
                    k[i] = w;
                    sum += w;
                }
                for (int i = 0; i < max; i++) {
                    double w = sum != 0 ? k[i] / sum : k[i];
                    weights[o * ksize + i] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS)
                            : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[o] = min;
                count[o] = max;
            }
            return new Coefficients(first, count, weights, ksize);
        }

        private static double triangle(double x) {
            x = Math.abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }

    private static Pixels horizontal(Pixels in, Coefficients k) {
        int outWidth = k.first.length;
        int ch = in.channels;
        byte[] src = in.data;
        byte[] out = new byte[outWidth * in.height * ch];
        for (int y = 0; y < in.height; y++) {
            int row = y * in.width;
            for (int x = 0; x < outWidth; x++) {
                int base = x * k.ksize;
                for (int c = 0; c < ch; c++) {
                    int sum = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < k.count[x]; i++) {
                        sum += (src[(row + k.first[x] + i) * ch + c] & 0xFF) * k.weights[base + i];
                    }
                    out[(y * outWidth + x) * ch + c] = clip8(sum);
                }
            }
        }
        return new Pixels(outWidth, in.height, ch, out);
    }

    private static Pixels vertical(Pixels in, Coefficients k) {
        int outHeight = k.first.length;
        int ch = in.channels;
        int rowBytes = in.width * ch;
        byte[] src = in.data;
        byte[] out = new byte[outHeight * rowBytes];
        for (int y = 0; y < outHeight; y++) {
            int base = y * k.ksize;
            for (int j = 0; j < rowBytes; j++) {
                int sum = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < k.count[y]; i++) {
                    sum += (src[(k.first[y] + i) * rowBytes + j] & 0xFF) * k.weights[base + i];
                }
                out[y * rowBytes + j] = clip8(sum);
            }
        }
        return new Pixels(in.width, outHeight, ch, out);
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        return v <= 0 ? 0 : (byte) (v >> PRECISION_BITS);
    }
}
