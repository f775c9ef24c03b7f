package io.convserve.serving;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.charset.StandardCharsets;

/**
 * A JPEG's colour space as libjpeg decides it, and libjpeg's YCbCr to RGB conversion, so a JPEG decodes to the
 * values PIL, torchvision and tf.io read: the decoded components come from the JDK's libjpeg (IDCT, "fancy" chroma
 * upsampling, via TwelveMonkeys' reader), raw, and are converted here with libjpeg's integer tables. An embedded ICC
 * profile (e.g. Adobe RGB) is not applied, as libjpeg's users do not apply it.
 */
final class JpegColor {

    /** libjpeg's colour spaces for the components of the frame. */
    enum Space { GRAY, YCBCR, RGB, OTHER }

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // jdcolor.c build_ycc_rgb_table: R = Y + 1.402 Cr', G = Y - 0.34414 Cb' - 0.71414 Cr', B = Y + 1.772 Cb'
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegColor() {
    }

    private static int fix(double x) {
        return (int) (x * (1 << SCALEBITS) + 0.5);
    }

    /**
     * libjpeg's default_decompress_parms: one component is grey; three are YCbCr after a JFIF marker, as an Adobe
     * marker's transform says (0 RGB, otherwise YCbCr), RGB with component ids 'R', 'G', 'B', and YCbCr otherwise;
     * four (CMYK, YCCK) are {@code OTHER}. Null when no frame header precedes the first scan.
     */
    static Space space(byte[] jpeg) {
        boolean jfif = false;
        int adobeTransform = -1;
        int at = 2;
        while (at + 4 <= jpeg.length) {
            if ((jpeg[at] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = jpeg[at + 1] & 0xFF;
            if (marker == 0xFF) {
                at++; // fill byte
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                at += 2; // no length
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                return null;
            }
            int length = ((jpeg[at + 2] & 0xFF) << 8) | (jpeg[at + 3] & 0xFF);
            int data = at + 4;
            int end = Math.min(at + 2 + length, jpeg.length);
            if (marker == 0xE0 && end - data >= 14 && text(jpeg, data, 5).equals("JFIF\0")) {
                jfif = true;
            } else if (marker == 0xEE && end - data >= 12 && text(jpeg, data, 5).equals("Adobe")) {
                adobeTransform = jpeg[data + 11] & 0xFF;
            } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (end - data < 6) {
                    return null;
                }
                int components = jpeg[data + 5] & 0xFF;
                if (components == 1) {
                    return Space.GRAY;
                }
                if (components != 3 || end - data < 6 + 9) {
                    return Space.OTHER;
                }
                if (jfif) {
                    return Space.YCBCR;
                }
                if (adobeTransform >= 0) {
                    return adobeTransform == 0 ? Space.RGB : Space.YCBCR;
                }
                boolean rgbIds = jpeg[data + 6] == 'R' && jpeg[data + 9] == 'G' && jpeg[data + 12] == 'B';
                return rgbIds ? Space.RGB : Space.YCBCR;
            }
            at += 2 + length;
        }
        return null;
    }

    private static String text(byte[] bytes, int from, int length) {
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }

    /** The decoder's raw components as an image: grey as is, RGB as is, YCbCr converted as libjpeg converts it. */
    static BufferedImage toImage(Raster raw, Space space) {
        int w = raw.getWidth();
        int h = raw.getHeight();
        if (space == Space.GRAY) {
            BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            grey.getRaster().setRect(-raw.getMinX(), -raw.getMinY(), raw);
            return grey;
        }
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        WritableRaster out = rgb.getRaster();
        int[] row = new int[w * 3];
        for (int y = 0; y < h; y++) {
            raw.getPixels(raw.getMinX(), raw.getMinY() + y, w, 1, row);
            if (space == Space.YCBCR) {
                for (int i = 0; i < row.length; i += 3) {
                    int luma = row[i];
                    int cb = row[i + 1];
                    int cr = row[i + 2];
                    row[i] = clamp(luma + CR_R[cr]);
                    row[i + 1] = clamp(luma + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                    row[i + 2] = clamp(luma + CB_B[cb]);
                }
            }
            out.setPixels(0, y, w, 1, row);
        }
        return rgb;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
