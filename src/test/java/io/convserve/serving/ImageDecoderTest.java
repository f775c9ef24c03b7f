package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Hostile PNGs, generated here: cut short, a wrong CRC, a broken zlib stream in IDAT, and decompression bombs (a
 * small file declaring an image that would take far more memory decoded than the limit).
 */
public class ImageDecoderTest {

    final ImageDecoder decoder = new ImageDecoder(4096, 40_000_000L);

    /** A real 28x28 grayscale PNG. */
    public static byte[] digitPng() throws Exception {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                image.getRaster().setSample(x, y, 0, (x * y) % 256);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** Byte offset of the first chunk of the type (its length field). */
    static int chunk(byte[] png, String type) {
        ByteBuffer in = ByteBuffer.wrap(png);
        for (int at = 8; at + 8 <= png.length; at += 12 + in.getInt(at)) {
            if (new String(png, at + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                return at;
            }
        }
        throw new AssertionError("no " + type);
    }

    static void putChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /**
     * A valid PNG of width x height pixels, all zero, streamed through the deflater a row at a time: a 4096x4096
     * 16-bit RGBA image (128 MiB decoded) is a file of about 130 KB.
     */
    public static byte[] zeroPng(int width, int height, int bitDepth, int colorType, int channels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        putChunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth)
                .put((byte) colorType).put((byte) 0).put((byte) 0).put((byte) 0).array());
        Deflater deflater = new Deflater(9);
        byte[] row = new byte[1 + width * channels * bitDepth / 8];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buffer, 0, deflater.deflate(buffer));
        }
        putChunk(out, "IDAT", idat.toByteArray());
        putChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    @Test
    void decodeWhenPngIsValidGivesItsPixels() throws Exception {
        BufferedImage image = decoder.decode(digitPng());
        assertThat(image.getWidth()).isEqualTo(28);
        assertThat(image.getRaster().getSample(27, 27, 0)).isEqualTo((27 * 27) % 256);
    }

    @Test
    void decodeWhenPngIsTruncatedIs400NamingTheChunk() throws Exception {
        byte[] png = digitPng();
        int idat = chunk(png, "IDAT");
        for (byte[] cut : new byte[][] {Arrays.copyOf(png, idat + 20), Arrays.copyOf(png, png.length - 6)}) {
            assertThatThrownBy(() -> decoder.decode(cut))
                    .isInstanceOfSatisfying(ImageDecoder.ImageException.class, e -> assertThat(e.tooLarge()).isFalse())
                    .hasMessageStartingWith("the png image is truncated: ");
        }
        assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(png, idat + 20)))
                .hasMessageContaining("chunk 'IDAT' at byte " + idat + " declares");
    }

    @Test
    void decodeWhenPngChunkHasABadCrcIs400NamingTheChunkAndBothCrcs() throws Exception {
        byte[] png = digitPng();
        int idat = chunk(png, "IDAT");
        int length = ByteBuffer.wrap(png).getInt(idat);
        png[idat + 8 + length] ^= 0x5A; // the stored CRC; the data stay valid (ImageIO alone decodes this)

        assertThatThrownBy(() -> decoder.decode(png))
                .isInstanceOfSatisfying(ImageDecoder.ImageException.class, e -> assertThat(e.tooLarge()).isFalse())
                .hasMessageMatching("the png image is corrupt: chunk 'IDAT' at byte " + idat
                        + " has CRC [0-9a-f]{8} but its content gives [0-9a-f]{8}");
    }

    @Test
    void decodeWhenIdatIsNotValidZlibIs400() throws Exception {
        byte[] png = digitPng();
        int idat = chunk(png, "IDAT");
        int length = ByteBuffer.wrap(png).getInt(idat);
        for (int i = idat + 8 + 2; i < idat + 8 + length; i++) {
            png[i] = (byte) 0xFF; // keep the zlib header, break the deflate blocks
        }
        CRC32 crc = new CRC32();
        crc.update(png, idat + 4, 4 + length);
        ByteBuffer.wrap(png).putInt(idat + 8 + length, (int) crc.getValue()); // a correct CRC over broken data

        assertThatThrownBy(() -> decoder.decode(png))
                .isInstanceOfSatisfying(ImageDecoder.ImageException.class, e -> assertThat(e.tooLarge()).isFalse())
                .hasMessageStartingWith("the png image is corrupt or truncated: ");
    }

    /** 4096x4096 is within the side and pixel limits, but 16-bit RGBA is 128 MiB decoded: refused before decoding. */
    @Test
    void decodeWhenPngBombDeclares16BitRgbaAtTheSideLimitIs413NamingBytesAndLimit() {
        byte[] bomb = zeroPng(4096, 4096, 16, 6, 4);
        assertThat(bomb.length).as("file size").isLessThan(1 << 20);
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> decoder.decode(bomb))
                .isInstanceOfSatisfying(ImageDecoder.ImageException.class, e -> assertThat(e.tooLarge()).isTrue())
                .hasMessage("png image is 4096x4096 pixels of 8 bytes each, 134217728 bytes decoded; the limit is "
                        + "67108864 bytes (inference.limits.max-decoded-image-bytes)");
        System.out.printf("png bomb: %d bytes on the wire, 128 MiB decoded, refused in %d ms%n", bomb.length,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void decodeWhenDecodedBytesExceedAConfiguredLimitIs413() {
        ImageDecoder small = new ImageDecoder(4096, 40_000_000L, 4_000_000);
        byte[] rgb = zeroPng(2000, 1000, 8, 2, 3); // 6,000,000 bytes decoded
        assertThatThrownBy(() -> small.decode(rgb))
                .hasMessage("png image is 2000x1000 pixels of 3 bytes each, 6000000 bytes decoded; the limit is "
                        + "4000000 bytes (inference.limits.max-decoded-image-bytes)");
        assertThat(small.decode(zeroPng(1000, 1000, 8, 2, 3)).getWidth()).isEqualTo(1000);
    }
}
