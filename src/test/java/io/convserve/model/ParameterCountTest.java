package io.convserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Published parameter totals of reference networks, as their authors' frameworks report them. */
class ParameterCountTest {

    @ParameterizedTest(name = "{0}: {1} parameters")
    @CsvSource({
            // LeNet-5 (conv 6/16, fc 120/84/10): torchinfo / the PyTorch tutorial
            "models/lenet5/model.json,                       61706,     61706,     0",
            // torchvision.models.alexnet(): sum(p.numel())
            "architectures/torchvision_alexnet.json,         61100840,  61100840,  0",
            // single-tower AlexNet at 227x227 (no groups)
            "models/alexnet/model.json,                      62378344,  62378344,  0",
            // keras.applications.VGG16(): model.summary() Total params
            "models/vgg16/model.json,                        138357544, 138357544, 0",
            // Keras model.summary(): batch norm = 2 trainable + 2 non-trainable per channel
            "architectures/keras_bn_cnn.json,                20394,     20202,     192",
    })
    void totalsMatchPublishedCounts(String resource, long total, long trainable, long nonTrainable) {
        Architecture architecture = TestArchitectures.architecture(resource);

        Summary.Totals totals = architecture.summarize(architecture.inputShape(), 1).totals();

        assertThat(totals.parameters()).isEqualTo(total);
        assertThat(totals.trainableParameters()).isEqualTo(trainable);
        assertThat(totals.nonTrainableParameters()).isEqualTo(nonTrainable);
        assertThat(totals.parameterBytes()).isEqualTo(4 * total);
    }

    @ParameterizedTest(name = "{0} layer {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "models/alexnet/model.json           | 0  | 1,96,55,55    | 34944    | 105415200",
            "models/alexnet/model.json           | 2  | 1,96,27,27    | 0        | 0",
            "models/alexnet/model.json           | 3  | 1,256,27,27   | 614656   | 447897600",
            "models/alexnet/model.json           | 9  | 1,256,6,6     | 0        | 0",
            "models/alexnet/model.json           | 12 | 1,4096        | 37752832 | 37748736",
            "architectures/torchvision_alexnet.json | 8 | 1,256,6,6   | 0        | 0",
            "models/vgg16/model.json             | 14 | 1,512,14,14   | 2359808  | 462422016",
            "models/vgg16/model.json             | 18 | 1,25088       | 0        | 0",
            "models/lenet5/model.json            | 4  | 1,400         | 0        | 0",
            "models/lenet5/model.json            | 5  | 1,120         | 48120    | 48000",
    })
    void layerRowsGiveShapeParametersAndMacs(String resource, int index, String outputShape, long parameters,
                                             long macs) {
        Architecture architecture = TestArchitectures.architecture(resource);

        LayerSummary row = architecture.summarize(architecture.inputShape(), 1).layers().get(index);

        List<Long> expected = java.util.Arrays.stream(outputShape.split(",")).map(Long::valueOf).toList();
        assertThat(row.outputShape()).isEqualTo(expected);
        assertThat(row.parameters()).isEqualTo(parameters);
        assertThat(row.macs()).isEqualTo(macs);
    }
}
