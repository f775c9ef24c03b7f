package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The planned pass against {@link ReferenceForward} on random stacks of every layer type with random settings,
 * input sizes and batch sizes, under each planner choice: the default plan, every step on its native kernel, every
 * step on its Java kernel, no fusions. Every layer's own output is compared too (asking for it makes the plan copy
 * NHWC buffers out as NCHW, or run without fusions). Tolerance as in {@link GoldenForwardTest}.
 */
class PlannedForwardPropertyTest {

    private static final List<Planner.Options> CHOICES = List.of(Planner.Options.DEFAULT,
            new Planner.Options(true, Kernel.NATIVE), new Planner.Options(true, Kernel.JAVA),
            Planner.Options.UNFUSED);

    /**
     * A case the property found: a depthwise convolution (multiplier 2) on a one-channel input was planned in NHWC,
     * as a plain convolution may be, and then run by libnd4j's NCHW-only depthwise kernel ("Op validation failed").
     */
    @net.jqwik.api.Example
    void depthwiseOnOneChannelRunsInEitherLayout() {
        plannedPassEqualsReference(1065L, 6);
    }

    @Property(tries = 60)
    void plannedPassEqualsReference(@ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int batch) {
        Random random = new Random(seed);
        Shape input = Shape.chw(1 + random.nextInt(6), 4 + random.nextInt(12), 4 + random.nextInt(12));
        Architecture architecture = RandomStacks.stack(random, input);
        Map<String, INDArray> weights = RandomStacks.weights(random, architecture);
        Network network = Network.create(architecture, weights);
        float[] values = new float[Math.toIntExact(input.elements() * batch)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        Map<String, ReferenceForward.Tensor> expected = ReferenceForward.run(architecture, network.parameters(),
                new ReferenceForward.Tensor(batch, input, doubles));
        ReferenceForward.Tensor last = expected.get(network.layerNames().get(network.layerNames().size() - 1));
        Set<String> every = Set.copyOf(network.layerNames());
        for (Planner.Options options : CHOICES) {
            ExecutionPlan plan = network.plan(batch, options);
            if (options == Planner.Options.DEFAULT) {
                assertThat(network.describePlan(batch)).as("steps described without buffers").isEqualTo(plan.steps());
                for (ExecutionPlan.StepInfo step : plan.steps()) {
                    boolean bias = step.layers().stream().map(name -> architecture.layer(name).orElseThrow())
                            .anyMatch(l -> Boolean.TRUE.equals(l.config().get("bias")));
                    assertThat(step.fused().contains("bias")).as("bias among the fusions of %s", step).isEqualTo(bias);
                }
            }
            String what = options + " " + plan.steps() + " on " + architecture.layers();
            // twice: a buffer left over from the first run must not change the second
            for (int run = 0; run < 2; run++) {
                assertClose(plan.run(values, Set.of()).get(Network.OUTPUT), last, "output, run " + run + ", " + what);
            }
            Map<String, INDArray> layers = plan.run(values, every);
            for (String name : network.layerNames()) {
                assertClose(layers.get(name), expected.get(name), "layer " + name + ", " + what);
            }
            assertClose(layers.get(Network.OUTPUT), last, "output with every layer asked for, " + what);
        }
    }

    private static void assertClose(INDArray actual, ReferenceForward.Tensor expected, String what) {
        assertThat(actual.shape()).as("shape of %s", what).isEqualTo(expected.shape().withBatch(expected.n()));
        float[] got = actual.dup('c').data().asFloat();
        double scale = 1;
        for (double v : expected.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - expected.data()[i]));
        }
        assertThat(worst).as("max |planned - reference| of %s", what)
                .isLessThanOrEqualTo(GoldenForwardTest.TOLERANCE * scale);
    }

    /** Random valid stacks: feature-map layers while the map is large enough, then a flat head. */
    static final class RandomStacks {

        private static final List<String> IMAGE = List.of("conv2d", "conv2d", "depthwise_conv2d", "max_pool2d",
                "avg_pool2d", "adaptive_avg_pool2d", "zero_pad2d", "batch_norm", "local_response_norm", "dropout",
                "relu", "leaky_relu", "sigmoid", "tanh", "softmax");
        private static final List<String> FLAT = List.of("dense", "dense", "batch_norm", "dropout", "relu",
                "leaky_relu", "sigmoid", "tanh", "softmax");
        private static final List<String> ACTIVATIONS = List.of("none", "relu", "leaky_relu", "sigmoid", "tanh",
                "softmax");

        private RandomStacks() {
        }

        static Architecture stack(Random random, Shape input) {
            List<Map<String, Object>> layers = new ArrayList<>();
            int imageLayers = 1 + random.nextInt(6);
            for (int tries = 0; layers.size() < imageLayers && tries < 50; tries++) {
                Map<String, Object> layer = image(random, IMAGE.get(random.nextInt(IMAGE.size())));
                if (valid(input, layers, layer)) {
                    layers.add(layer);
                }
            }
            layers.add(Map.of("type", List.of("flatten", "global_avg_pool2d", "global_max_pool2d")
                    .get(random.nextInt(3))));
            int flatLayers = random.nextInt(4);
            for (int i = 0; i < flatLayers; i++) {
                String type = FLAT.get(random.nextInt(FLAT.size()));
                layers.add(switch (type) {
                    case "dense" -> Map.of("type", "dense", "units", 1 + random.nextInt(40), "bias",
                            random.nextBoolean(), "activation", ACTIVATIONS.get(random.nextInt(ACTIVATIONS.size())));
                    case "leaky_relu" -> Map.of("type", type, "alpha", 0.05 + random.nextDouble() * 0.3);
                    default -> Map.of("type", type);
                });
            }
            return Architecture.fromConfig(input, layers);
        }

        private static boolean valid(Shape input, List<Map<String, Object>> layers, Map<String, Object> layer) {
            List<Map<String, Object>> candidate = new ArrayList<>(layers);
            candidate.add(layer);
            try {
                Architecture a = Architecture.fromConfig(input, candidate);
                return a.shapes(input).get(candidate.size()).elements() <= 4096;
            } catch (ArchitectureException | LayerConfigException e) {
                return false;
            }
        }

        private static Object padding(Random random, int kernel) {
            return switch (random.nextInt(4)) {
                case 0 -> "valid";
                case 1 -> "same";
                case 2 -> List.of(random.nextInt(kernel / 2 + 1), random.nextInt(kernel / 2 + 1));
                default -> List.of(random.nextInt(kernel / 2 + 1), random.nextInt(kernel / 2 + 1),
                        random.nextInt(kernel / 2 + 1), random.nextInt(kernel / 2 + 1));
            };
        }

        private static Map<String, Object> image(Random random, String type) {
            Map<String, Object> m = new HashMap<>();
            m.put("type", type);
            int k = 1 + random.nextInt(4);
            int k2 = random.nextInt(3) == 0 ? 1 + random.nextInt(4) : k;
            switch (type) {
                case "conv2d", "depthwise_conv2d" -> {
                    m.put("kernel", List.of(k, k2));
                    m.put("stride", List.of(1 + random.nextInt(2), 1 + random.nextInt(2)));
                    m.put("padding", padding(random, Math.min(k, k2)));
                    if (random.nextInt(4) == 0) {
                        m.put("dilation", List.of(1 + random.nextInt(2), 1 + random.nextInt(2)));
                    }
                    m.put("bias", random.nextBoolean());
                    m.put("activation", ACTIVATIONS.get(random.nextInt(ACTIVATIONS.size())));
                    if (type.equals("conv2d")) {
                        int groups = random.nextInt(3) == 0 ? 1 + random.nextInt(3) : 1;
                        m.put("groups", groups);
                        m.put("filters", groups * (1 + random.nextInt(6)));
                    } else {
                        m.put("depth_multiplier", 1 + random.nextInt(2));
                    }
                }
                case "max_pool2d", "avg_pool2d" -> {
                    m.put("pool", List.of(Math.max(k, 2), Math.max(k2, 2)));
                    m.put("stride", List.of(1 + random.nextInt(2), 1 + random.nextInt(2)));
                    m.put("padding", padding(random, Math.max(Math.min(k, k2), 2)));
                    m.put("ceil_mode", random.nextBoolean());
                }
                case "adaptive_avg_pool2d" -> m.put("output_size",
                        List.of(1 + random.nextInt(5), 1 + random.nextInt(5)));
                case "zero_pad2d" -> m.put("padding", List.of(random.nextInt(3), random.nextInt(3), random.nextInt(3),
                        random.nextInt(3)));
                case "local_response_norm" -> {
                    m.put("size", 1 + random.nextInt(5));
                    m.put("alpha", 1e-4 + random.nextDouble() * 0.5);
                    m.put("beta", 0.5 + random.nextDouble() * 0.5);
                    m.put("k", 1 + random.nextDouble());
                }
                case "leaky_relu" -> m.put("alpha", 0.05 + random.nextDouble() * 0.3);
                default -> { }
            }
            return m;
        }

        static Map<String, INDArray> weights(Random random, Architecture architecture) {
            Map<String, INDArray> weights = new HashMap<>();
            List<Shape> shapes = architecture.shapes(architecture.inputShape());
            for (Layer layer : architecture.layers()) {
                for (ParameterSpec p : layer.parameters(shapes.get(layer.index()))) {
                    float[] v = new float[Math.toIntExact(p.shape().elements())];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = p.name().equals("moving_variance") ? 0.5f + random.nextFloat()
                                : (float) (random.nextGaussian() * 0.5);
                    }
                    long[] dims = java.util.Arrays.stream(p.shape().dims()).asLongStream().toArray();
                    weights.put(layer.name() + "." + p.name(), Nd4j.create(v, dims, 'c').castTo(DataType.FLOAT));
                }
            }
            return weights;
        }
    }
}
