package io.convserve.serving;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG and JPEG bytes with ImageIO (TwelveMonkeys' JPEG plugin, on the JDK's libjpeg); a JPEG's colours are
 * converted as libjpeg converts them, without its ICC profile ({@link JpegColor}). The size in the header is
 * checked before any pixel is decoded, so a small file that declares a huge image never allocates it: the sides,
 * the pixels, and the decoded bytes (pixels x bytes per pixel of the image's own sample type, e.g. 8 for 16-bit
 * RGBA). A PNG's chunks are walked first: a chunk cut short or with a wrong CRC is a 400 naming the chunk.
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

    /** Decoded bytes allowed when the caller sets no limit (64 MiB). */
    public static final long DEFAULT_MAX_DECODED_BYTES = 64L * 1024 * 1024;

    private final int maxSide;
    private final long maxPixels;
    private final long maxDecodedBytes;

    public ImageDecoder(int maxSide, long maxPixels) {
        this(maxSide, maxPixels, DEFAULT_MAX_DECODED_BYTES);
    }

    /** @param maxDecodedBytes the most bytes the decoded image may take (inference.limits.max-decoded-image-bytes) */
    public ImageDecoder(int maxSide, long maxPixels, long maxDecodedBytes) {
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
        this.maxDecodedBytes = maxDecodedBytes;
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
            ImageReader reader = reader(format);
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
                int bytesPerPixel = bytesPerPixel(reader);
                long decoded = (long) width * height * bytesPerPixel;
                if (decoded > maxDecodedBytes) {
                    throw new ImageException(format + " image is " + width + "x" + height + " pixels of "
                            + bytesPerPixel + " bytes each, " + decoded + " bytes decoded; the limit is "
                            + maxDecodedBytes + " bytes (inference.limits.max-decoded-image-bytes)", true);
                }
                if (format.equals("png")) {
                    checkPngChunks(bytes);
                }
                java.util.List<String> warnings = new java.util.ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = read(reader, format, bytes);
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

    /**
     * TwelveMonkeys' JPEG reader, whatever else is registered: its {@code readRaster} returns libjpeg's components
     * unconverted, which {@link JpegColor} relies on.
     */
    private static ImageReader reader(String format) throws IOException {
        if (format.equals("jpeg")) {
            var spi = javax.imageio.spi.IIORegistry.getDefaultInstance()
                    .getServiceProviderByClass(com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi.class);
            if (spi == null) {
                throw new IllegalStateException("TwelveMonkeys' JPEG reader is not registered with ImageIO");
            }
            return spi.createReaderInstance();
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new ImageException("no " + format + " decoder available", false);
        }
        return readers.next();
    }

    /**
     * A grey or three-component JPEG is read as its raw components and converted as libjpeg converts them
     * ({@link JpegColor}): ImageIO would apply an embedded ICC profile, which the libraries models are trained with
     * do not. CMYK and YCCK JPEGs and PNGs are read by ImageIO as they are.
     */
    private static BufferedImage read(ImageReader reader, String format, byte[] bytes) throws IOException {
        JpegColor.Space space = format.equals("jpeg") ? JpegColor.space(bytes) : null;
        if (space == null || space == JpegColor.Space.OTHER) {
            return reader.read(0);
        }
        return JpegColor.toImage(reader.readRaster(0, null), space);
    }

    /** Bytes per decoded pixel: the widest of the image types the reader offers (at least 1). */
    private static int bytesPerPixel(ImageReader reader) throws IOException {
        int bits = 8;
        javax.imageio.ImageTypeSpecifier raw = reader.getRawImageType(0);
        if (raw != null) {
            bits = Math.max(bits, bitsPerPixel(raw));
        }
        for (Iterator<javax.imageio.ImageTypeSpecifier> types = reader.getImageTypes(0); types.hasNext(); ) {
            bits = Math.max(bits, bitsPerPixel(types.next()));
        }
        return (bits + 7) / 8;
    }

    private static int bitsPerPixel(javax.imageio.ImageTypeSpecifier type) {
        int bits = 0;
        for (int size : type.getSampleModel().getSampleSize()) {
            bits += size;
        }
        return bits;
    }

    /**
     * Walks a PNG's chunks up to IEND: each must fit in the file and carry the CRC-32 of its type and data (ImageIO
     * checks neither). Throws a 400 naming the chunk, its offset and the values.
     */
    static void checkPngChunks(byte[] png) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(png);
        int at = 8;
        while (true) {
            if (at + 8 > png.length) {
                throw new ImageException("the png image is truncated: it ends at byte " + png.length
                        + " before its IEND chunk", false);
            }
            long length = in.getInt(at) & 0xFFFFFFFFL;
            String type = new String(png, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (at + 12 + length > png.length) {
                throw new ImageException("the png image is truncated: chunk '" + type + "' at byte " + at
                        + " declares " + length + " bytes of data but " + Math.max(0, png.length - at - 12)
                        + " follow", false);
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(png, at + 4, 4 + (int) length);
            long stored = in.getInt(at + 8 + (int) length) & 0xFFFFFFFFL;
            if (crc.getValue() != stored) {
                throw new ImageException(String.format("the png image is corrupt: chunk '%s' at byte %d has CRC "
                        + "%08x but its content gives %08x", type, at, stored, crc.getValue()), false);
            }
            if (type.equals("IEND")) {
                return;
            }
            at += 12 + (int) length;
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
