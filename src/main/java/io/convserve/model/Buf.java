package io.convserve.model;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor of a plan: a contiguous off-heap array for native steps, and a heap copy for Java steps, each copied
 * from the other only when a step of the other kind reads it after it changed. Views of one buffer (flatten) share
 * the same object. Not thread-safe, like the plan.
 */
final class Buf {

    private final INDArray array;
    private final FloatBuffer nio;
    private float[] heap;
    /** Whether each copy holds the latest values (at least one does). */
    private boolean arrayValid = true;
    private boolean heapValid;

    Buf(INDArray array) {
        if (array.ordering() != 'c' || array.isView()) {
            throw new IllegalArgumentException("a plan buffer must be a contiguous row-major array");
        }
        this.array = array;
        this.nio = array.data().asNioFloat();
    }

    /** The off-heap array with the latest values. */
    INDArray array() {
        if (!arrayValid) {
            nio.put(0, heap, 0, heap.length);
            arrayValid = true;
        }
        return array;
    }

    /** The array itself, to build op objects on (no copy). */
    INDArray target() {
        return array;
    }

    /** The heap copy with the latest values, for reading. */
    float[] heap() {
        if (heap == null) {
            heap = new float[Math.toIntExact(array.length())];
        }
        if (!heapValid) {
            nio.get(0, heap, 0, heap.length);
            heapValid = true;
        }
        return heap;
    }

    /** The heap copy for a Java step that writes it (in place, or all of it): the array copy becomes stale. */
    float[] heapForWriting(boolean readsToo) {
        float[] h = readsToo ? heap() : heap != null ? heap : (heap = new float[Math.toIntExact(array.length())]);
        heapValid = true;
        arrayValid = false;
        return h;
    }

    /** Copies {@code values} into the array in one bulk copy (ND4J's setData puts element by element). */
    void write(float[] values) {
        nio.put(0, values, 0, values.length);
        arrayWritten();
    }

    /** A native step wrote the array: the heap copy becomes stale. */
    void arrayWritten() {
        arrayValid = true;
        heapValid = false;
    }

    long bytes() {
        return array.length() * 4 * (heap != null ? 2 : 1);
    }
}
