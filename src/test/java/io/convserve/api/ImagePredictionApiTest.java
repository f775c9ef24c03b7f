package io.convserve.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.registry.ModelRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** {@code POST /predictions/{m}}: real digit PNGs and photos, raw and multipart, and hostile images. */
class ImagePredictionApiTest extends ValidatedApiTest {

    @Autowired
    ModelRegistry registry;

    static byte[] resource(String name) throws Exception {
        try (InputStream in = ImagePredictionApiTest.class.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    static List<Path> digitFiles() throws Exception {
        Path dir = Path.of(ImagePredictionApiTest.class.getClassLoader().getResource("digits").toURI());
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    static int label(Path file) {
        String name = file.getFileName().toString();
        return name.charAt(name.indexOf("label") + 5) - '0';
    }

    HttpJson.Response postImage(String path, byte[] image, String contentType) {
        return http.postBytes(path, image, Map.of("Content-Type", contentType));
    }

    HttpJson.Response postMultipart(String path, String field, byte[] image) {
        String boundary = "----convserve" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"digit.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.postBytes(path, body.toByteArray(), Map.of("Content-Type", "multipart/form-data; boundary=" + boundary));
    }

    @Test
    void realDigitPngsAreClassifiedRawAndMultipart() throws Exception {
        int rawCorrect = 0;
        int multipartCorrect = 0;
        for (Path file : digitFiles()) {
            byte[] png = Files.readAllBytes(file);
            JsonNode raw = postImage("/predictions/lenet5", png, "image/png").json();
            JsonNode multipart = postMultipart("/predictions/lenet5/1", "data", png).json();
            rawCorrect += raw.get("predictions").get(0).get("index").asInt() == label(file) ? 1 : 0;
            multipartCorrect += multipart.get("predictions").get(0).get("index").asInt() == label(file) ? 1 : 0;
            assertThat(raw.get("predictions").size()).isEqualTo(5);
            assertThat(raw.get("predictions").get(0).get("label").asString()).isEqualTo(
                    Integer.toString(raw.get("predictions").get(0).get("index").asInt()));
        }
        assertThat(rawCorrect).isGreaterThanOrEqualTo(19);
        assertThat(multipartCorrect).isEqualTo(rawCorrect);
    }

    /**
     * {@code /preprocess} answers the tensor an image becomes, as a v2 infer body: a 28x28 digit gives exactly
     * (pixel / 255 - 0.1307) / 0.3081, and posting that body to /infer gives /predictions' probabilities.
     */
    @Test
    void preprocessAnswersAnInferBodyWithTheModelsTensor() throws Exception {
        Path file = digitFiles().get(3);
        byte[] png = Files.readAllBytes(file);
        BufferedImage image = ImageIO.read(file.toFile());

        HttpJson.Response r = postImage("/v2/models/lenet5/preprocess", png, "image/png");

        assertThat(r.status()).isEqualTo(200);
        JsonNode input = r.json().get("inputs").get(0);
        assertThat(input.get("name").asString()).isEqualTo("input");
        assertThat(input.get("datatype").asString()).isEqualTo("FP32");
        assertThat(input.get("shape").toString()).isEqualTo("[1,1,28,28]");
        JsonNode data = input.get("data");
        assertThat(data.size()).isEqualTo(784);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int pixel = image.getRaster().getSample(x, y, 0);
                assertThat(data.get(y * 28 + x).asDouble()).isCloseTo((pixel / 255.0 - 0.1307) / 0.3081,
                        org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        JsonNode inferred = http.post("/v2/models/lenet5/infer", r.body(), "application/json").json();
        JsonNode predicted = postImage("/predictions/lenet5?top_k=1", png, "image/png").json().get("predictions").get(0);
        int index = predicted.get("index").asInt();
        assertThat(index).isEqualTo(label(file));
        assertThat(inferred.get("outputs").get(0).get("data").get(index).asDouble())
                .isCloseTo(predicted.get("probability").asDouble(), org.assertj.core.data.Offset.offset(1e-6));

        JsonNode photo = postImage("/v2/models/alexnet/versions/1/preprocess", resource("photos/china.jpg"), "image/jpeg")
                .json().get("inputs").get(0);
        assertThat(photo.get("shape").toString()).isEqualTo("[1,3,227,227]");
        assertThat(photo.get("data").size()).isEqualTo(3 * 227 * 227);
        HttpJson.Response notAnImage = postImage("/v2/models/lenet5/preprocess", "not an image".getBytes(), "image/png");
        assertThat(notAnImage.status()).isEqualTo(400);
        assertThat(notAnImage.json().get("error").asString()).isNotBlank();
    }

    @Test
    void photosOfAnySizeWorkOnLenetAndAlexnet() throws Exception {
        JsonNode lenet = postImage("/predictions/lenet5?top_k=3", resource("photos/chelsea.png"), "image/png").json();
        JsonNode alexnet = postImage("/predictions/alexnet?top_k=3", resource("photos/china.jpg"), "image/jpeg").json();

        for (JsonNode response : List.of(lenet, alexnet)) {
            JsonNode p = response.get("predictions");
            assertThat(p.size()).isEqualTo(3);
            assertThat(p.get(0).get("probability").asDouble()).isGreaterThanOrEqualTo(p.get(1).get("probability").asDouble());
            assertThat(p.get(1).get("probability").asDouble()).isGreaterThanOrEqualTo(p.get(2).get("probability").asDouble());
            double sum = p.get(0).get("probability").asDouble() + p.get(1).get("probability").asDouble()
                    + p.get(2).get("probability").asDouble();
            assertThat(sum).isLessThanOrEqualTo(1.0 + 1e-6);
        }
        assertThat(alexnet.get("model_name").asString()).isEqualTo("alexnet");
    }

    /** The 1,500 held-out digits as PNG files through /predictions reach the engine's accuracy on the same pixels. */
    @Test
    @org.junit.jupiter.api.Tag("slow") // 1,500 requests; the engine's accuracy alone: Lenet5AccuracyTest
    void heldOutDigitsAsPngReachTheReportedAccuracy() throws Exception {
        File images = new File(getClass().getClassLoader().getResource("mnist/test_images_u8.npy").toURI());
        File labelFile = new File(getClass().getClassLoader().getResource("mnist/test_labels.npy").toURI());
        INDArray u8 = Nd4j.createFromNpyFile(images).castTo(DataType.INT32);
        int[] labels = Nd4j.createFromNpyFile(labelFile).castTo(DataType.INT32).toIntVector();
        int[] pixels = u8.dup('c').data().asInt();

        int correct = 0;
        for (int n = 0; n < 1500; n++) {
            BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            digit.getRaster().setPixels(0, 0, 28, 28, java.util.Arrays.copyOfRange(pixels, n * 784, (n + 1) * 784));
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(digit, "png", png);
            JsonNode top = postImage("/predictions/lenet5?top_k=1", png.toByteArray(), "image/png").json()
                    .get("predictions").get(0);
            correct += top.get("index").asInt() == labels[n] ? 1 : 0;
        }

        INDArray x = u8.castTo(DataType.FLOAT).div(255.0).subi(0.1307).divi(0.3081).reshape(1500, 1, 28, 28);
        long engineCorrect = registry.find("lenet5", null).orElseThrow().network().forward(x).argMax(1)
                .castTo(DataType.INT32).eq(Nd4j.createFromArray(labels)).castTo(DataType.INT32).sumNumber().longValue();
        System.out.printf("lenet5 via /predictions on 1500 PNG digits: %.2f%% (%d/1500), engine %d/1500%n",
                correct / 15.0, correct, engineCorrect);
        assertThat(correct).isEqualTo((int) engineCorrect);
        assertThat(correct / 1500.0).isGreaterThanOrEqualTo(0.98);
    }

    static byte[] pngDeclaring(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4 + 12);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue());
        CRC32 end = new CRC32();
        end.update("IEND".getBytes(StandardCharsets.US_ASCII));
        png.putInt(0).put("IEND".getBytes(StandardCharsets.US_ASCII)).putInt((int) end.getValue());
        return png.array();
    }

    @Test
    void hostileImagesGetClearErrors() throws Exception {
        byte[] jpeg = resource("photos/china.jpg");
        byte[] truncated = java.util.Arrays.copyOf(jpeg, jpeg.length / 2);

        HttpJson.Response bomb = postImage("/predictions/lenet5", pngDeclaring(100_000, 100_000), "image/png");
        HttpJson.Response half = postImage("/predictions/alexnet", truncated, "image/jpeg");
        HttpJson.Response text = postImage("/predictions/lenet5", "hello".getBytes(StandardCharsets.UTF_8),
                "application/octet-stream");
        HttpJson.Response empty = postImage("/predictions/lenet5", new byte[0], "image/png");
        HttpJson.Response wrongType = postImage("/predictions/lenet5", jpeg, "text/csv");
        HttpJson.Response badTopK = postImage("/predictions/lenet5?top_k=0", jpeg, "image/jpeg");
        HttpJson.Response noField = postMultipart("/predictions/lenet5", "file", jpeg);

        assertThat(bomb.status()).isEqualTo(413);
        assertThat(bomb.json().get("error").asString()).startsWith("png image is 100000x100000 pixels; the limit is 4096");
        assertThat(half.status()).isEqualTo(400);
        assertThat(half.json().get("error").asString()).startsWith("the jpeg image is corrupt or truncated");
        assertThat(text.json().get("error").asString()).startsWith("body is not a PNG or JPEG image (first bytes: 68656c6c6f)");
        assertThat(empty.json().get("error").asString()).isEqualTo("request body is empty; expected a PNG or JPEG image");
        assertThat(wrongType.status()).isEqualTo(415);
        assertThat(badTopK.json().get("error").asString()).isEqualTo("top_k must be a positive integer. Received: '0'");
        assertThat(noField.json().get("error").asString()).startsWith("multipart request has no file field 'data'");
        assertThat(postImage("/predictions/nope", jpeg, "image/jpeg").status()).isEqualTo(404);
    }

    /** The HTTP statuses of the hostile PNGs of ImageDecoderTest: a bomb 413, cut or corrupt 400, every limit named. */
    @Test
    void hostilePngsAre413Or400NamingTheProblem() throws Exception {
        byte[] png = io.convserve.serving.ImageDecoderTest.digitPng();
        byte[] badCrc = png.clone();
        badCrc[badCrc.length - 1] ^= 0x01; // IEND's CRC
        HttpJson.Response bomb = postImage("/predictions/lenet5",
                io.convserve.serving.ImageDecoderTest.zeroPng(4096, 4096, 16, 6, 4), "image/png");
        HttpJson.Response cut = postImage("/predictions/lenet5", java.util.Arrays.copyOf(png, png.length - 10),
                "image/png");
        HttpJson.Response crc = postImage("/v2/models/lenet5/preprocess", badCrc, "image/png");

        assertThat(bomb.status()).isEqualTo(413);
        assertThat(bomb.json().get("error").asString()).startsWith("png image is 4096x4096 pixels of 8 bytes each, "
                + "134217728 bytes decoded; the limit is 67108864 bytes (inference.limits.max-decoded-image-bytes)");
        assertThat(cut.status()).isEqualTo(400);
        assertThat(cut.json().get("error").asString()).startsWith("the png image is truncated: ");
        assertThat(crc.status()).isEqualTo(400);
        assertThat(crc.json().get("error").asString()).startsWith("the png image is corrupt: chunk 'IEND'");
        assertThat(postImage("/predictions/lenet5", png, "image/png").status()).isEqualTo(200);
    }
}
