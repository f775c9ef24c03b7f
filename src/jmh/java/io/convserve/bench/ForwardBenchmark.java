package io.convserve.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.convserve.model.Network;
import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoader;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One forward pass of a bundled model at a batch size, by our engine and by ONNX Runtime on the same network and
 * weights (exported with {@link OnnxExport}), in the same JMH run. Setup checks that both give the same output.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ForwardBenchmark {

    @Param({"lenet5", "alexnet"})
    public String model;

    @Param({"1", "8", "32"})
    public int batch;

    /**
     * convserve: the execution plan the service runs; convserve-native: the same plan with every step that has a
     * native kernel run natively (what the planner's Java kernels are measured against).
     */
    @Param({"convserve", "convserve-native", "onnxruntime"})
    public String engine;

    private Network network;
    private io.convserve.model.ExecutionPlan plan;
    private INDArray input;
    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor ortInput;

    static LoadedModel load(String model) {
        Path dir = Path.of(System.getProperty("convserve.models", "src/main/resources/models"), model);
        return new ModelLoader().load(dir, "1");
    }

    /** Where {@link BenchReport} left the ONNX exports and our engine's outputs for the ONNX Runtime forks. */
    static Path exports() {
        return Path.of(System.getProperty("convserve.bench.exports", "target/bench/onnx"));
    }

    static float[] input(int elements) {
        float[] values = new float[elements];
        Random random = new Random(42);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (engine.equals("onnxruntime")) {
            // this fork never initialises ND4J: its natives and ONNX Runtime's crash together in one process (SIGSEGV)
            Path dir = exports();
            long[] shape = java.util.Arrays.stream(java.nio.file.Files.readString(dir.resolve(model + ".shape")).strip()
                    .split(",")).mapToLong(Long::parseLong).toArray();
            shape[0] = batch;
            int perExample = 1;
            for (int i = 1; i < shape.length; i++) {
                perExample *= (int) shape[i];
            }
            float[] values = input(perExample * batch);
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(dir.resolve(model + ".onnx").toString(), options);
            ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
            float[] theirs = runOrt();
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
                    dir.resolve(model + "-b" + batch + ".out"))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            float[] ours = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(ours);
            double worst = 0;
            for (int i = 0; i < ours.length; i++) {
                worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
            }
            System.out.printf("%n[check] %s batch %d: largest |convserve - onnxruntime| = %.3g%n", model, batch, worst);
            if (ours.length != theirs.length || worst > 1e-3) {
                throw new IllegalStateException("ONNX Runtime and convserve disagree on " + model + ": " + worst);
            }
            return;
        }
        network = load(model).network();
        long[] shape = network.inputShape().withBatch(batch);
        input = Nd4j.create(input((int) (network.inputShape().elements() * batch)), shape, 'c');
        plan = engine.equals("convserve-native") ? network.plan(batch, io.convserve.model.Kernel.NATIVE)
                : network.plan(batch);
        float[] ours = plan.run(input, java.util.Set.of()).get(Network.OUTPUT).dup('c').data().asFloat();
        // the output ONNX Runtime is checked against (its fork compares with what export() wrote)
        float[] exported = network.plan(batch).run(input, java.util.Set.of()).get(Network.OUTPUT).dup('c').data()
                .asFloat();
        double worst = 0;
        for (int i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i] - exported[i]));
        }
        System.out.printf("%n[check] %s batch %d %s: largest |this plan - default plan| = %.3g%n", model, batch,
                engine, worst);
        if (worst > 1e-3) {
            throw new IllegalStateException(engine + " and the default plan disagree on " + model + ": " + worst);
        }
        plan.steps().forEach(step -> System.out.println("[plan] " + step));
    }

    /**
     * Writes each model as ONNX and our engine's output for the benchmark input at each batch size, for the ONNX
     * Runtime forks (called by {@link BenchReport} in its own JVM).
     */
    static void export(List<String> models, List<Integer> batches) throws java.io.IOException {
        Path dir = exports();
        java.nio.file.Files.createDirectories(dir);
        for (String m : models) {
            Network network = load(m).network();
            java.nio.file.Files.write(dir.resolve(m + ".onnx"), OnnxExport.export(network));
            java.nio.file.Files.writeString(dir.resolve(m + ".shape"), java.util.Arrays.stream(
                    network.inputShape().withBatch(1)).mapToObj(Long::toString).collect(java.util.stream.Collectors
                    .joining(",")));
            for (int b : batches) {
                long[] shape = network.inputShape().withBatch(b);
                float[] out = network.forward(Nd4j.create(input((int) (network.inputShape().elements() * b)), shape,
                        'c')).dup('c').data().asFloat();
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(out.length * 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(out);
                java.nio.file.Files.write(dir.resolve(m + "-b" + b + ".out"), bytes.array());
            }
        }
    }

    private float[] runOrt() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of("input", ortInput))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            FloatBuffer b = out.getFloatBuffer();
            float[] v = new float[b.remaining()];
            b.get(v);
            return v;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (session != null) {
            ortInput.close();
            session.close();
        }
    }

    /** One forward pass of {@code batch} examples. */
    @Benchmark
    public Object forward() throws OrtException {
        if (session != null) {
            try (OrtSession.Result r = session.run(Map.of("input", ortInput))) {
                return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
            }
        }
        return plan.run(input, java.util.Set.of()).get(Network.OUTPUT).getFloat(0);
    }
}
