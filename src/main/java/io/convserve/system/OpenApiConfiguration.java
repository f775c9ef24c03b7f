package io.convserve.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BinarySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.servers.Server;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

/**
 * The OpenAPI document: snake_case schemas like the JSON we serve, the v2 tensor schemas that reflection cannot
 * see (bodies are read as bytes), RFC 9457 error bodies on every operation, and examples that work as-is against
 * the bundled models (a real held-out digit for lenet5).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM = "Problem";

    /** swagger-core reads types with its own Jackson 2 mapper: give it the naming our Jackson 3 mapper uses. */
    @Bean
    ModelResolver snakeCaseModelResolver() {
        return new ModelResolver(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
    }

    /** The document's version is the build's (META-INF/build-info.properties). */
    @Bean
    OpenAPI openApi(ObjectProvider<BuildProperties> build) {
        BuildProperties info = build.getIfAvailable();
        return new OpenAPI()
                .info(new Info().title("convserve").version(info == null ? "unknown" : info.getVersion())
                        .description("CNN inference and introspection: the Open Inference Protocol (KServe v2, Triton "
                                + "flavour) with the binary tensor and classification extensions, TF Serving predict, "
                                + "image predictions, and the model_summary extension (layer shapes, parameters, MACs).")
                        .license(new License().name("Apache-2.0")))
                .servers(List.of(new Server().url("http://localhost:8080").description("local")));
    }

    @Bean
    OpenApiCustomizer protocolSchemas() {
        return openApi -> {
            Components components = openApi.getComponents() == null ? new Components() : openApi.getComponents();
            openApi.setComponents(components);
            addTensorSchemas(components);
            Map<String, Object> digit = digitExample();
            components.getSchemas().values().forEach(OpenApiConfiguration::anyValuedMaps);
            openApi.getPaths().values().forEach(item -> item.readOperations().forEach(op -> {
                if (op.getResponses() != null) {
                    op.getResponses().values().stream().filter(r -> r.getContent() != null)
                            .flatMap(r -> r.getContent().values().stream())
                            .forEach(m -> anyValuedMaps(m.getSchema()));
                }
                if (op.getRequestBody() != null && op.getRequestBody().getContent() != null) {
                    op.getRequestBody().getContent().values().forEach(m -> anyValuedMaps(m.getSchema()));
                }
            }));
            openApi.getPaths().forEach((path, item) -> {
                if (path.endsWith("/infer") && item.getPost() != null) {
                    describeInfer(item.getPost(), path, digit);
                }
                if (path.endsWith(":predict") && item.getPost() != null) {
                    Map<String, Object> example = Map.of("instances", List.of(digit.get("data")));
                    item.getPost().getRequestBody().getContent().values()
                            .forEach(m -> m.setExamples(Map.of("lenet5_digit", new Example()
                                    .summary("one held-out MNIST digit (a " + digit.get("label") + ") for lenet5")
                                    .value(example))));
                }
                if (path.startsWith("/predictions/") && item.getPost() != null) {
                    MediaType multipart = item.getPost().getRequestBody().getContent().get("multipart/form-data");
                    if (multipart != null) {
                        multipart.setSchema(ref("ImageUpload"));
                    }
                }
                errorResponses(item);
                for (Operation op : item.readOperations()) {
                    op.setOperationId(operationId(op.getOperationId(), path));
                }
            });
        };
    }

    private static void addTensorSchemas(Components c) {
        Schema<Object> anyArray = new ArraySchema().items(new Schema<>())
                .description("Tensor elements, row-major: a flat list or nested lists following the shape");
        c.addSchemas("InferInputTensor", new ObjectSchema()
                .addProperty("name", new StringSchema())
                .addProperty("shape", new ArraySchema().items(new IntegerSchema().format("int64")))
                .addProperty("datatype", new StringSchema()._enum(List.of("FP32", "FP64", "FP16", "INT8", "INT16",
                        "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64")))
                .addProperty("parameters", new ObjectSchema().additionalProperties(true)
                        .description("binary_data_size: bytes of this tensor after the JSON header"))
                .addProperty("data", anyArray)
                .required(List.of("name", "shape", "datatype")));
        c.addSchemas("InferRequestedOutput", new ObjectSchema()
                .addProperty("name", new StringSchema())
                .addProperty("parameters", new ObjectSchema().additionalProperties(true)
                        .description("binary_data (boolean), classification (top-k as \"score:index:label\")"))
                .required(List.of("name")));
        c.addSchemas("InferRequest", new ObjectSchema()
                .addProperty("id", new StringSchema())
                .addProperty("parameters", new ObjectSchema().additionalProperties(true)
                        .description("binary_data_output (boolean)"))
                .addProperty("inputs", new ArraySchema().items(ref("InferInputTensor")))
                .addProperty("outputs", new ArraySchema().items(ref("InferRequestedOutput")))
                .required(List.of("inputs")));
        c.addSchemas("InferOutputTensor", new ObjectSchema()
                .addProperty("name", new StringSchema())
                .addProperty("datatype", new StringSchema())
                .addProperty("shape", new ArraySchema().items(new IntegerSchema().format("int64")))
                .addProperty("parameters", new ObjectSchema().additionalProperties(true))
                .addProperty("data", anyArray)
                .required(List.of("name", "datatype", "shape")));
        c.addSchemas("InferResponse", new ObjectSchema()
                .addProperty("model_name", new StringSchema())
                .addProperty("model_version", new StringSchema())
                .addProperty("id", new StringSchema())
                .addProperty("outputs", new ArraySchema().items(ref("InferOutputTensor")))
                .required(List.of("model_name", "model_version", "outputs")));
        c.addSchemas("PredictRequest", new ObjectSchema()
                .addProperty("signature_name", new StringSchema().description("ignored: one signature per model"))
                .addProperty("instances", new ArraySchema().items(new Schema<>())
                        .description("examples: each nested [C][H][W], flat, or {\"<input name>\": example}"))
                .required(List.of("instances")));
        c.addSchemas("ImageUpload", new ObjectSchema()
                .addProperty("data", new BinarySchema().description("the PNG or JPEG file"))
                .required(List.of("data")));
        c.addSchemas(PROBLEM, new ObjectSchema()
                .addProperty("error", new StringSchema().description("what was wrong and the expected value"))
                .addProperty("type", new StringSchema())
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .required(List.of("error", "status")));
    }

    /**
     * A Java {@code Map<String, Object>} comes out as "values are objects"; its values are any JSON value
     * (numbers, lists, strings), so say so. Numbers are plain {@code number}: JSON has no float precision.
     */
    @SuppressWarnings("rawtypes")
    private static void anyValuedMaps(Schema schema) {
        if (schema == null) {
            return;
        }
        if ("float".equals(schema.getFormat()) || "double".equals(schema.getFormat())) {
            schema.setFormat(null);
        }
        if (schema.getAdditionalProperties() instanceof Schema values) {
            boolean bareObject = "object".equals(values.getType()) && values.getProperties() == null
                    && values.get$ref() == null && values.getAdditionalProperties() == null;
            if (bareObject) {
                schema.setAdditionalProperties(true);
            } else {
                anyValuedMaps(values);
            }
        }
        if (schema.getProperties() != null) {
            ((Map<?, ?>) schema.getProperties()).values().forEach(p -> anyValuedMaps((Schema) p));
        }
        if (schema.getItems() != null) {
            anyValuedMaps(schema.getItems());
        }
    }

    private static Schema<Object> ref(String name) {
        return new Schema<>().$ref("#/components/schemas/" + name);
    }

    private static void describeInfer(Operation op, String path, Map<String, Object> digit) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", "input");
        input.put("shape", List.of(1, 1, 28, 28));
        input.put("datatype", "FP32");
        input.put("data", digit.get("data"));
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("id", "digit-" + digit.get("label"));
        example.put("inputs", List.of(input));
        example.put("outputs", List.of(Map.of("name", "probabilities", "parameters", Map.of("classification", 3))));
        MediaType json = new MediaType().schema(ref("InferRequest"));
        if (path.startsWith("/v2/models/{model}")) {
            json.setExamples(Map.of("lenet5_digit", new Example()
                    .summary("lenet5 (model=lenet5): one held-out MNIST digit, a " + digit.get("label")
                            + ", with the top 3 classes").value(example)));
        }
        op.setRequestBody(new RequestBody().required(true).content(new Content()
                .addMediaType("application/json", json)
                .addMediaType("application/octet-stream", new MediaType().schema(new BinarySchema()
                        .description("A JSON InferRequest of Inference-Header-Content-Length bytes, then the binary "
                                + "tensors (little-endian, row-major)")))));
        ApiResponses responses = op.getResponses() == null ? new ApiResponses() : op.getResponses();
        responses.addApiResponse("200", new ApiResponse().description("Inference result")
                .content(new Content()
                        .addMediaType("application/json", new MediaType().schema(ref("InferResponse")))
                        .addMediaType("application/octet-stream", new MediaType().schema(new BinarySchema()
                                .description("JSON InferResponse of Inference-Header-Content-Length bytes, then the "
                                        + "binary outputs")))));
        op.setResponses(responses);
    }

    /**
     * Stable, unique operation ids for generated clients: the handler method's name, plus {@code Version} on
     * the versioned route, {@code server}/{@code all} on the routes without a model.
     */
    static String operationId(String springdocId, String path) {
        String base = springdocId.replaceAll("_\\d+$", "");
        if (path.contains("{version}")) {
            return base + "Version";
        }
        if (!path.contains("{model}")) {
            switch (base) {
                case "metadata":
                    return "serverMetadata";
                case "ready":
                    return "serverReady";
                case "stats":
                    return "allStats";
                default:
                    break;
            }
        }
        return base;
    }

    /**
     * Every operation documents its errors as the one Problem body, except an error an operation declares with its
     * own application/problem+json schema (a Problem with more fields).
     */
    private static void errorResponses(PathItem item) {
        for (Operation op : item.readOperations()) {
            ApiResponses responses = op.getResponses() == null ? new ApiResponses() : op.getResponses();
            responses.entrySet().removeIf(e -> !e.getKey().startsWith("2") && !ownProblem(e.getValue()));
            Content problem = new Content().addMediaType("application/problem+json",
                    new MediaType().schema(ref(PROBLEM)));
            responses.putIfAbsent("400", new ApiResponse().description("Bad input").content(problem));
            responses.putIfAbsent("404", new ApiResponse().description("Unknown model or version").content(problem));
            responses.putIfAbsent("422", new ApiResponse().description("Well-formed but impossible").content(problem));
            responses.putIfAbsent("default", new ApiResponse().description("Other errors").content(problem));
            op.setResponses(responses);
        }
    }

    /** An error body the operation declares itself: a Problem with more fields, or another protocol's (TF Serving's). */
    private static boolean ownProblem(ApiResponse response) {
        return response.getContent() != null && (response.getContent().get("application/problem+json") != null
                || response.getContent().get("application/json") != null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> digitExample() {
        try (InputStream in = new ClassPathResource("openapi/lenet5-digit.json").getInputStream()) {
            return new ObjectMapper().readValue(in, Map.class);
        } catch (IOException e) {
            throw new IllegalStateException("openapi/lenet5-digit.json is missing from the jar", e);
        }
    }

}
