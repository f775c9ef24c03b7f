package io.convserve.serving;

import java.util.List;

/** What the server says of itself in every protocol's server and model metadata. */
public final class ServerInfo {

    public static final String NAME = "convserve";
    /** The platform of every model (Triton's {@code platform}). */
    public static final String PLATFORM = "convserve_nd4j";
    /** The protocol extensions this server implements. */
    public static final List<String> EXTENSIONS = List.of("binary_tensor_data", "classification", "model_repository",
            "model_configuration", "statistics", "model_summary");

    private ServerInfo() {
    }
}
