import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes the v2 infer bodies of the HTTP benchmark (tools/bench/http.sh): one example of a model's input as JSON
 * and as a binary tensor, plus the header length of the binary one. Run: java tools/bench/MakeBodies.java DIR
 */
public class MakeBodies {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        write(dir, "lenet5", new int[] {1, 1, 28, 28});
        write(dir, "alexnet", new int[] {1, 3, 227, 227});
    }

    static void write(Path dir, String model, int[] shape) throws IOException {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Random random = new Random(7);
        float[] x = new float[n];
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
            data.append(i > 0 ? "," : "").append(x[i]);
        }
        String dims = java.util.Arrays.toString(shape);
        String json = "{\"inputs\":[{\"name\":\"input\",\"shape\":" + dims + ",\"datatype\":\"FP32\",\"data\":[" + data
                + "]}]}";
        Files.writeString(dir.resolve(model + ".json"), json);
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":" + dims + ",\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":" + n * 4 + "}}],\"outputs\":[{\"name\":\"probabilities\","
                + "\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + n * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        body.asFloatBuffer().put(x);
        Files.write(dir.resolve(model + ".bin"), body.array());
        Files.writeString(dir.resolve(model + ".bin.header"), Integer.toString(header.length));
    }
}
