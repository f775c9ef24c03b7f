package io.convserve.registry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reads numpy's {@code .npz} archives with ND4J's reader, after checking what that reader silently requires. */
public final class NpzWeights {

    private NpzWeights() {
    }

    /** Arrays keyed by entry name without {@code .npy}: {@code conv1.weight}, ... */
    public static Map<String, INDArray> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() == 0) {
                return Map.of();
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.getMethod() != ZipEntry.STORED) {
                    throw new ModelLoadException(file.getFileName() + ": entry '" + entry.getName()
                            + "' is compressed; entries must be STORED (write it with numpy.savez, not savez_compressed)");
                }
                if (!entry.getName().endsWith(".npy")) {
                    throw new ModelLoadException(file.getFileName() + ": entry '" + entry.getName()
                            + "' is not a .npy array");
                }
            }
        } catch (ZipException e) {
            throw new ModelLoadException(file.getFileName() + " is not a valid .npz (zip) archive: " + e.getMessage());
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file.getFileName() + ": " + e.getMessage(), e);
        }
        try {
            return Nd4j.createFromNpzFile(file.toFile());
        } catch (Exception e) {
            throw new ModelLoadException(file.getFileName() + " could not be read as numpy arrays: " + e.getMessage(), e);
        }
    }
}
