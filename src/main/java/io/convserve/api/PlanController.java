package io.convserve.api;

import io.convserve.model.ExecutionPlan;
import io.convserve.model.Kernel;
import io.convserve.registry.LoadedModel;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** What a forward pass runs: the planner's steps for one batch size, with layouts, fusions and kernels. */
@RestController
@Tag(name = "model_summary", description = "Layer shapes, parameter counts and MACs")
class PlanController {

    /** {@code native_calls}: steps that call libnd4j (layout copies included); the others run Java or are views. */
    record PlanResponse(String modelName, String modelVersion, int batchSize, int nativeCalls,
                        List<ExecutionPlan.StepInfo> steps) {
    }

    private final ModelLookup lookup;

    PlanController(ModelLookup lookup) {
        this.lookup = lookup;
    }

    @GetMapping(value = {"/v2/models/{model}/plan", "/v2/models/{model}/versions/{version}/plan"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Execution plan of a loaded model",
            description = "The steps of a forward pass at `batch_size` as the planner laid them out: the layers "
                    + "each step computes (none for a layout copy it inserted), the kernel (NATIVE: one libnd4j op; "
                    + "JAVA: single-threaded Java, chosen for small work; VIEW: nothing runs), the input and output "
                    + "memory layout (NCHW, NHWC, FLAT), what was fused into the step and whether it works in place.")
    PlanResponse plan(@PathVariable String model, @PathVariable(required = false) String version,
                      @Parameter(description = "examples per pass, 1 by default", example = "8")
                      @RequestParam(name = "batch_size", required = false) String batchSize) {
        LoadedModel m = lookup.find(model, version);
        int batch = SummaryController.parseBatch(batchSize);
        List<ExecutionPlan.StepInfo> steps = m.network().describePlan(batch);
        int nativeCalls = (int) steps.stream().filter(s -> s.kernel() == Kernel.NATIVE).count();
        return new PlanResponse(m.name(), m.version(), batch, nativeCalls, steps);
    }
}
