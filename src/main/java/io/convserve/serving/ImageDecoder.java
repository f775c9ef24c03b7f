package io.convserve.serving;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG and JPEG bytes with ImageIO (TwelveMonkeys' JPEG plugin when present). The size in the header is
 * checked before any pixel is decoded, so a small file that declares a huge image never allocates it.
 */
public final class ImageDecoder {

    /** A rejected image: {@code tooLarge} for the size limit (413), otherwise unreadable input (400). */
    public static final class ImageException extends RuntimeException {
        private final boolean tooLarge;

        ImageException(String message, boolean tooLarge) {
            super(message);
            this.tooLarge = tooLarge;
        }

        public boolean tooLarge() {
            return tooLarge;
        }
    }

    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    private final int maxSide;
    private final long maxPixels;

    public ImageDecoder(int maxSide, long maxPixels) {
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
    }

    /** The format from the magic bytes: {@code png}, {@code jpeg}, or null. */
    public static String sniff(byte[] bytes) {
        if (bytes.length >= 8 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return "png";
        }
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF) {
            return "jpeg";
        }
        return null;
    }

    public BufferedImage decode(byte[] bytes) {
        String format = sniff(bytes);
        if (format == null) {
            throw new ImageException("body is not a PNG or JPEG image (first bytes: " + hex(bytes) + ")", false);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
            if (!readers.hasNext()) {
                throw new ImageException("no " + format + " decoder available", false);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width < 1 || height < 1) {
                    throw new ImageException(format + " image declares " + width + "x" + height + " pixels", false);
                }
                if (width > maxSide || height > maxSide || (long) width * height > maxPixels) {
                    throw new ImageException(format + " image is " + width + "x" + height + " pixels; the limit is "
                            + maxSide + " pixels per side and " + maxPixels + " pixels in all", true);
                }
                java.util.List<String> warnings = new java.util.ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageException("the " + format + " image is corrupt or truncated: " + warnings.get(0),
                            false);
                }
                if (image == null) {
                    throw new ImageException("the " + format + " image could not be decoded", false);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageException ie) {
                throw ie;
            }
            throw new ImageException("the " + format + " image is corrupt or truncated: " + e.getMessage(), false);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            sb.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
