package io.convserve.serving;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An image as 8-bit samples, interleaved, 1 (grey) or 3 (RGB) per pixel: the form PIL works on, so resizing and
 * cropping can follow its arithmetic exactly.
 *
 * <p>{@link #of} takes the stored sample values as they are: an embedded ICC profile is not applied (PIL,
 * torchvision and tf.io ignore it, and models are trained on those raw values). Transparent pixels are composited
 * onto white.
 */
final class Pixels {

    final int width;
    final int height;
    final int channels;
    final byte[] data;

    Pixels(int width, int height, int channels, byte[] data) {
        if (data.length != width * height * channels) {
            throw new IllegalArgumentException(width + "x" + height + "x" + channels + " pixels need "
                    + width * height * channels + " bytes, not " + data.length);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
    }

    /** The decoded image's samples, grey or RGB; other colour spaces (CMYK) through their colour model to sRGB. */
    static Pixels of(BufferedImage image) {
        int type = image.getColorModel().getColorSpace().getType();
        if (image.getColorModel() instanceof IndexColorModel || (type != ColorSpace.TYPE_GRAY
                && type != ColorSpace.TYPE_RGB)) {
            return fromArgb(image);
        }
        Raster raster = image.getRaster();
        int channels = type == ColorSpace.TYPE_GRAY ? 1 : 3;
        boolean alpha = image.getColorModel().hasAlpha() && raster.getNumBands() > channels;
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * channels];
        int[] bits = raster.getSampleModel().getSampleSize();
        int[] row = new int[w * raster.getNumBands()];
        int bands = raster.getNumBands();
        double alphaMax = alpha ? (1L << bits[bands - 1]) - 1 : 1;
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                double a = alpha ? row[x * bands + bands - 1] / alphaMax : 1;
                for (int c = 0; c < channels; c++) {
                    int v = to8(row[x * bands + c], bits[c]);
                    if (a < 1) {
                        v = (int) Math.round(v * a + 255 * (1 - a));
                    }
                    out[(y * w + x) * channels + c] = (byte) v;
                }
            }
        }
        return new Pixels(w, h, channels, out);
    }

    /** A sample of {@code bits} bits as 8 bits: the high byte of 16-bit samples (as PIL), 1-4 bits scaled up. */
    private static int to8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        return bits > 8 ? v >>> (bits - 8) : (int) Math.round(v * 255.0 / ((1 << bits) - 1));
    }

    private static Pixels fromArgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                double a = (argb >>> 24) / 255.0;
                for (int c = 0; c < 3; c++) {
                    int v = (argb >> (16 - 8 * c)) & 0xFF;
                    out[(y * w + x) * 3 + c] = (byte) (a < 1 ? Math.round(v * a + 255 * (1 - a)) : v);
                }
            }
        }
        return new Pixels(w, h, 3, out);
    }

    /** PIL's {@code convert("L")}: ITU-R BT.601 luma in 16-bit fixed point, rounded. */
    Pixels grey() {
        if (channels == 1) {
            return this;
        }
        byte[] out = new byte[width * height];
        for (int i = 0; i < out.length; i++) {
            int r = data[3 * i] & 0xFF;
            int g = data[3 * i + 1] & 0xFF;
            int b = data[3 * i + 2] & 0xFF;
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new Pixels(width, height, 1, out);
    }

    /** PIL's {@code convert("RGB")} of a grey image: the value in each channel. */
    Pixels rgb() {
        if (channels == 3) {
            return this;
        }
        byte[] out = new byte[width * height * 3];
        for (int i = 0; i < data.length; i++) {
            out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[i];
        }
        return new Pixels(width, height, 3, out);
    }

    /** The {@code w x h} region whose top-left pixel is ({@code left}, {@code top}); it must lie inside. */
    Pixels crop(int left, int top, int w, int h) {
        byte[] out = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            System.arraycopy(data, ((top + y) * width + left) * channels, out, y * w * channels, w * channels);
        }
        return new Pixels(w, h, channels, out);
    }
}
