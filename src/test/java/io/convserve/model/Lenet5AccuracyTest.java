package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.convserve.registry.LoadedModel;
import io.convserve.registry.ModelLoader;
import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The bundled lenet5 on the 1,500 held-out MNIST digits: the engine's probabilities equal PyTorch's for the same
 * weights, and the accuracy is at least 98.0 % (tools/lenet5/RESULTS.md reports PyTorch's).
 */
class Lenet5AccuracyTest {

    static LoadedModel lenet;
    static INDArray images;
    static INDArray labels;
    static INDArray torchProbabilities;

    static File resource(String name) throws Exception {
        return new File(Lenet5AccuracyTest.class.getClassLoader().getResource(name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        lenet = new ModelLoader().load(Path.of(resource("models/lenet5").toURI()), "1");
        images = Nd4j.createFromNpyFile(resource("mnist/test_images_u8.npy")).castTo(DataType.FLOAT);
        labels = Nd4j.createFromNpyFile(resource("mnist/test_labels.npy")).castTo(DataType.INT64);
        torchProbabilities = Nd4j.createFromNpyFile(resource("mnist/expected_probabilities.npy"));
    }

    /** The model's declared preprocessing: x / 255, then (x - 0.1307) / 0.3081, as [N, 1, 28, 28]. */
    static INDArray preprocess(INDArray u8) {
        return u8.div(255.0).subi(0.1307).divi(0.3081).reshape(u8.size(0), 1, 28, 28);
    }

    @Test
    void probabilitiesEqualPytorchOnEveryHeldOutDigit() {
        INDArray probabilities = lenet.network().forward(preprocess(images));

        double maxError = Transforms.abs(probabilities.sub(torchProbabilities)).maxNumber().doubleValue();
        System.out.printf("lenet5 vs PyTorch on 1500 digits: max_abs_error=%.3e%n", maxError);
        assertThat(maxError).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void heldOutAccuracyIsAtLeast98Percent() {
        INDArray predicted = lenet.network().forward(preprocess(images)).argMax(1).castTo(DataType.INT64);

        long correct = predicted.eq(labels).castTo(DataType.INT32).sumNumber().longValue();
        double accuracy = correct / 1500.0;
        System.out.printf("lenet5 held-out accuracy on 1500 MNIST digits: %.2f%% (%d/1500)%n", 100 * accuracy, correct);
        assertThat(accuracy).isGreaterThanOrEqualTo(0.98);
    }
}
