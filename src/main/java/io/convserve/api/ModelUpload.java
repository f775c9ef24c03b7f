package io.convserve.api;

import io.convserve.importer.ImportException;
import io.convserve.importer.ImportedModel;
import io.convserve.importer.ModelImporter;
import io.convserve.importer.RepositoryWriter;
import io.convserve.importer.StorageFullException;
import io.convserve.registry.ModelLoadException;
import io.convserve.registry.ModelRegistry;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Keras or ONNX file sent with Triton's load request ({@code "file:<version>/<file name>"}, base64): imported,
 * installed into the repository folder, then loaded by the registry. If the load fails the files are restored,
 * and the registry keeps serving what it served.
 */
final class ModelUpload {

    private static final Pattern FILE = Pattern.compile("file:([1-9][0-9]{0,17})/([A-Za-z0-9_][A-Za-z0-9._-]{0,127})");
    private static final Set<String> CONFIG_FIELDS = Set.of("description", "preprocessing", "output",
            "version_policy", "aliases");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ModelUpload() {
    }

    static void install(ModelRegistry registry, String model, Map<String, Object> parameters) {
        try {
            RepositoryWriter.checkName(model);
        } catch (ImportException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        List<String> files = parameters.keySet().stream().filter(k -> k.startsWith("file:")).toList();
        for (String key : parameters.keySet()) {
            if (!key.startsWith("file:") && !key.equals("config") && !key.equals("replace")) {
                throw ApiException.badRequest("unknown load parameter '" + key + "'. Expected \"config\", "
                        + "\"file:<version>/<file name>\" and \"replace\"");
            }
        }
        // one model file; other files of the same version are what it refers to (an ONNX model's external weights,
        // model.onnx.data as torch.onnx's dynamo exporter writes them)
        String version = null;
        String fileName = null;
        byte[] content = null;
        Map<String, byte[]> companions = new LinkedHashMap<>();
        for (String key : files) {
            Matcher m = FILE.matcher(key);
            if (!m.matches()) {
                throw ApiException.badRequest("parameter '" + key + "' must be \"file:<version>/<file name>\" with "
                        + "a positive version number and a plain file name ending in one of "
                        + ModelImporter.EXTENSIONS);
            }
            if (version != null && !version.equals(m.group(1))) {
                throw ApiException.badRequest("all files must belong to one version. Received: " + files);
            }
            version = m.group(1);
            byte[] bytes = decode(key, parameters.get(key));
            boolean isModel = ModelImporter.EXTENSIONS.stream().anyMatch(e -> m.group(2).toLowerCase(
                    java.util.Locale.ROOT).endsWith(e));
            if (!isModel) {
                companions.put(m.group(2), bytes);
            } else if (fileName != null) {
                throw ApiException.badRequest("exactly one model file (ending in one of " + ModelImporter.EXTENSIONS
                        + ") is supported. Received: " + files);
            } else {
                fileName = m.group(2);
                content = bytes;
            }
        }
        if (fileName == null) {
            throw ApiException.badRequest("exactly one \"file:<version>/<file name>\" parameter with a model file "
                    + "(ending in one of " + ModelImporter.EXTENSIONS + ") is required. Received: " + files);
        }
        Object replace = parameters.getOrDefault("replace", false);
        if (!(replace instanceof Boolean) && !"true".equals(replace) && !"false".equals(replace)) {
            throw ApiException.badRequest("parameter 'replace' must be true or false. Received: " + replace);
        }
        Map<String, Object> overrides = config(parameters.get("config"));
        ImportedModel imported;
        RepositoryWriter.Installation installation;
        try {
            imported = ModelImporter.read(content, fileName, companions::get);
            Map<String, Object> definition = new LinkedHashMap<>(imported.definition());
            definition.putAll(overrides);
            imported = new ImportedModel(definition, imported.weights(), imported.notes(), imported.fixedBatch());
            installation = new RepositoryWriter().install(imported, registry.repository(), model, version,
                    Boolean.TRUE.equals(replace) || "true".equals(replace));
        } catch (StorageFullException e) {
            throw new ApiException(HttpStatus.INSUFFICIENT_STORAGE, "cannot store '" + fileName + "' as model '"
                    + model + "' version " + version + ": " + e.getMessage() + ". The serving versions are unchanged");
        } catch (ImportException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "cannot import '" + fileName + "' as model '"
                    + model + "' version " + version + ": " + e.getMessage());
        }
        try {
            registry.load(model);
        } catch (ModelLoadException e) {
            installation.rollback();
            throw ApiException.badRequest("failed to load '" + model + "' after importing '" + fileName
                    + "' (the previous files were restored): " + e.getMessage());
        }
        installation.commit();
    }

    private static byte[] decode(String key, Object value) {
        if (!(value instanceof String base64)) {
            throw ApiException.badRequest("parameter '" + key + "' must be the file's content as a base64 string");
        }
        try {
            return Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("parameter '" + key + "' is not valid base64: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Object value) {
        if (value == null) {
            return Map.of();
        }
        Object parsed = value;
        if (value instanceof String text) {
            try {
                parsed = MAPPER.readValue(text, Map.class);
            } catch (JacksonException e) {
                throw ApiException.badRequest("parameter 'config' is not a JSON object: " + e.getOriginalMessage());
            }
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw ApiException.badRequest("parameter 'config' must be a JSON object (as text). Received: " + value);
        }
        for (Object key : map.keySet()) {
            if (!CONFIG_FIELDS.contains(key)) {
                throw ApiException.badRequest("parameter 'config' may set " + new java.util.TreeSet<>(CONFIG_FIELDS)
                        + " of model.json. Received: '" + key + "'");
            }
        }
        return (Map<String, Object>) map;
    }
}
