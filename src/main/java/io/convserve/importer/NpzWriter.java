package io.convserve.importer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes arrays as numpy's {@code .npz}: a zip of {@code .npy} files (format 1.0, little-endian float32), each entry
 * STORED, as {@code numpy.savez} does and as ND4J's reader requires.
 */
final class NpzWriter {

    private NpzWriter() {
    }

    static void write(Map<String, FloatArray> arrays, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Map.Entry<String, FloatArray> e : arrays.entrySet()) {
            byte[] npy = npy(e.getValue());
            ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(npy.length);
            entry.setCompressedSize(npy.length);
            CRC32 crc = new CRC32();
            crc.update(npy);
            entry.setCrc(crc.getValue());
            entry.setTime(0);
            zip.putNextEntry(entry);
            zip.write(npy);
            zip.closeEntry();
        }
        zip.finish();
    }

    /** One {@code .npy}: magic, version 1.0, header dict padded with spaces to a multiple of 64, the data. */
    static byte[] npy(FloatArray a) {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < a.shape().length; i++) {
            shape.append(a.shape()[i]).append(a.shape().length == 1 ? "," : i + 1 < a.shape().length ? ", " : "");
        }
        shape.append(")");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(10 + header.length() + 4 * a.data().length);
        bytes.write(0x93);
        bytes.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        bytes.write(1);
        bytes.write(0);
        bytes.write(header.length() & 0xff);
        bytes.write(header.length() >> 8);
        bytes.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer data = ByteBuffer.allocate(4 * a.data().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(a.data());
        bytes.writeBytes(data.array());
        return bytes.toByteArray();
    }
}
