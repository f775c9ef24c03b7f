package io.convserve.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /v2/models/{m}[/versions/{v}]/infer}: the Open Inference Protocol, JSON and binary tensors. */
@RestController
@Tag(name = "inference", description = "Open Inference Protocol (KServe v2 / Triton)")
class InferController {

    private final InferHandler handler;

    InferController(InferHandler handler) {
        this.handler = handler;
    }

    @PostMapping({InferHandler.ROUTE, InferHandler.VERSIONED_ROUTE})
    @Operation(summary = "Run inference (v2)",
            description = "Tensors as JSON (`data` flat or nested) or as binary data after a JSON header of "
                    + "`Inference-Header-Content-Length` bytes. Output parameters `binary_data` and "
                    + "`classification` (top-k as \"score:index:label\") are supported. An output named after a "
                    + "layer (see `/layers`) returns that layer's output, e.g. a convolution's feature maps "
                    + "`[N, C, H, W]`.")
    ResponseEntity<byte[]> infer(@PathVariable String model, @PathVariable(required = false) String version,
                                 @RequestBody(required = false) byte[] body,
                                 @RequestHeader(name = InferResponseWriter.HEADER_LENGTH, required = false)
                                 Integer headerLength,
                                 @io.swagger.v3.oas.annotations.Parameter(hidden = true)
                                 @RequestAttribute(name = InferHandler.FAILURE, required = false)
                                 RuntimeException failure) {
        if (failure != null) {
            throw failure; // the fast lane ran this request already and met this
        }
        return handler.infer(model, version, body, headerLength).toResponseEntity();
    }
}
