package io.convserve.api;

import io.convserve.serving.LimitsProperties;
import io.convserve.registry.LoadedModel;
import io.convserve.serving.ImageDecoder;
import io.convserve.serving.ImagePreprocessor;
import io.convserve.serving.InferenceService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

/**
 * {@code POST /predictions/{m}[/{v}]} (TorchServe style): a PNG or JPEG as the raw body or as multipart field
 * {@code data}, preprocessed as the model declares, answered with the top-k labels and probabilities.
 */
@RestController
@Tag(name = "predict")
class ImagePredictionController {

    /** One ranked class. */
    record Prediction(String label, int index, double probability) {
    }

    record ImagePredictions(String modelName, String modelVersion, List<Prediction> predictions,
                            Boolean softmaxApplied) {
    }

    private final ModelLookup lookup;
    private final InferenceService inference;
    private final ImageDecoder decoder;

    private final io.convserve.serving.RequestTracing tracing;

    ImagePredictionController(ModelLookup lookup, InferenceService inference,
                              LimitsProperties limits, io.convserve.serving.RequestTracing tracing) {
        this.tracing = tracing;
        this.lookup = lookup;
        this.inference = inference;
        this.decoder = new ImageDecoder(limits.maxImageSide(), limits.maxImagePixels(),
                limits.maxDecodedImageBytes());
    }

    /** Accepted body types; a body without Content-Type is sniffed (it reaches us marked as JSON). */
    static final List<String> ACCEPTED = List.of("image/png", "image/jpeg", "image/jpg", "application/octet-stream",
            "multipart/form-data");

    @PostMapping({"/predictions/{model}", "/predictions/{model}/{version}"})
    @Operation(summary = "Classify an image",
            description = "A PNG or JPEG as the raw body (image/png, image/jpeg) or as multipart field `data`; "
                    + "preprocessed as the model's model.json declares (colour, resize, crop, scale, mean/std). "
                    + "Answers the top_k classes with their probabilities.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = {
                    @Content(mediaType = "image/png", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "image/jpeg", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "multipart/form-data")}))
    ImagePredictions predict(@PathVariable String model, @PathVariable(required = false) String version,
                             @RequestParam(name = "top_k", required = false) String topK,
                             HttpServletRequest request) throws IOException {
        LoadedModel m = lookup.find(model, version);
        int k = parseTopK(topK);
        byte[] bytes = imageBody(m, request);
        return inference.request(m, () -> {
            float[] tensor = tensor(m, bytes, request);
            InferenceService.Result result = inference.infer(m, tensor, m.network().inputShape().withBatch(1));
            return rank(m, result.values(), k);
        });
    }

    /** A v2 infer request body holding the input tensor that an image becomes. */
    record PreprocessedInput(List<PreprocessedTensor> inputs) {
    }

    record PreprocessedTensor(String name, List<Long> shape, String datatype, float[] data) {
    }

    @PostMapping({"/v2/models/{model}/preprocess", "/v2/models/{model}/versions/{version}/preprocess"})
    @Operation(summary = "Turn an image into the model's input tensor",
            description = "The image (as for `/predictions`) preprocessed as model.json declares, answered as a v2 "
                    + "infer request body `{\"inputs\": [{\"name\", \"shape\": [1, C, H, W], \"datatype\": "
                    + "\"FP32\", \"data\"}]}`: add `outputs` (e.g. layer names for their feature maps) and post it "
                    + "to `/infer`.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = {
                    @Content(mediaType = "image/png", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "image/jpeg", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "application/octet-stream", schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = "multipart/form-data")}))
    PreprocessedInput preprocess(@PathVariable String model, @PathVariable(required = false) String version,
                                 HttpServletRequest request) throws IOException {
        LoadedModel m = lookup.find(model, version);
        float[] tensor = tensor(m, imageBody(m, request), request);
        List<Long> shape = new ArrayList<>();
        for (long d : m.network().inputShape().withBatch(1)) {
            shape.add(d);
        }
        return new PreprocessedInput(List.of(new PreprocessedTensor(m.definition().input().name(), shape, "FP32",
                tensor)));
    }

    /** The body of an image request for a model that takes images, after checking its type. */
    private static byte[] imageBody(LoadedModel m, HttpServletRequest request) throws IOException {
        if (m.definition().preprocessing() == null) {
            throw ApiException.badRequest("model '" + m.name() + "' declares no \"preprocessing\" in model.json, so it "
                    + "cannot take images; send tensors to /v2/models/" + m.name() + "/infer instead");
        }
        String type = request.getContentType() == null ? null
                : request.getContentType().split(";")[0].strip().toLowerCase(java.util.Locale.ROOT);
        if (type != null && !ACCEPTED.contains(type) && !type.equals("application/json")) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + type
                    + "' is not supported for images; send one of " + ACCEPTED);
        }
        return body(request);
    }

    /** Decodes and preprocesses an image into one example's {@code [C, H, W]} values. */
    private float[] tensor(LoadedModel m, byte[] bytes, HttpServletRequest request) {
        BufferedImage image;
        try {
            image = tracing.inSpan("convserve.image.decode", m.name(), () -> decoder.decode(bytes));
        } catch (ImageDecoder.ImageException e) {
            String received = " (Content-Type: " + request.getContentType() + ", " + bytes.length + " bytes)";
            throw new ApiException(e.tooLarge() ? HttpStatus.CONTENT_TOO_LARGE : HttpStatus.BAD_REQUEST,
                    e.getMessage() + received);
        }
        return ImagePreprocessor.toTensor(image, m.definition().preprocessing(), m.network().inputShape());
    }

    private static byte[] body(HttpServletRequest request) throws IOException {
        byte[] bytes;
        if (request instanceof MultipartHttpServletRequest multipart) {
            MultipartFile file = multipart.getFile("data");
            if (file == null) {
                throw ApiException.badRequest("multipart request has no file field 'data'. Received fields: "
                        + multipart.getFileMap().keySet());
            }
            bytes = file.getBytes();
        } else {
            bytes = request.getInputStream().readAllBytes();
        }
        if (bytes.length == 0) {
            throw ApiException.badRequest("request body is empty; expected a PNG or JPEG image");
        }
        return bytes;
    }

    private static ImagePredictions rank(LoadedModel m, float[] output, int k) {
        double sum = 0;
        boolean probabilities = true;
        for (float v : output) {
            sum += v;
            probabilities &= v >= 0 && v <= 1;
        }
        double[] p = new double[output.length];
        boolean softmax = !(probabilities && Math.abs(sum - 1) < 1e-3);
        double max = Double.NEGATIVE_INFINITY;
        for (float v : output) {
            max = Math.max(max, v);
        }
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = softmax ? Math.exp(output[i] - max) : output[i];
            total += p[i];
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
            if (softmax) {
                p[i] /= total;
            }
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        List<Prediction> top = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) {
            top.add(new Prediction(m.label(order[i]), order[i], p[order[i]]));
        }
        return new ImagePredictions(m.name(), m.version(), top, softmax ? Boolean.TRUE : null);
    }

    private static int parseTopK(String text) {
        if (text == null) {
            return 5;
        }
        try {
            int k = Integer.parseInt(text.strip());
            if (k >= 1) {
                return k;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest("top_k must be a positive integer. Received: '" + text + "'");
    }
}
