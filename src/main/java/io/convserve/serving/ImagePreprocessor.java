package io.convserve.serving;

import io.convserve.model.Shape;
import io.convserve.registry.ModelDefinition;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Turns a decoded image into the model's input tensor as {@code model.json}'s {@code preprocessing} declares, in
 * the order of a torchvision pipeline on a PIL image: colour (grayscale/rgb), resize, center crop, then invert,
 * scale and per-channel mean/std. Without {@code resize}, the image is resized to the input's H x W after the crop,
 * so an image of any size fits.
 *
 * <ul>
 *   <li>{@code resize}: {@code N} or {@code [N]} scales the shorter side to N and the longer one to
 *   {@code floor(N * long / short)} (torchvision's {@code Resize(N)}); {@code [H, W]} resizes to exactly that.
 *   The filter is Pillow's bilinear, antialiased when shrinking ({@link PilResampler}).</li>
 *   <li>{@code center_crop}: offsets {@code round((side - crop) / 2)}, ties to even, as torchvision's
 *   {@code CenterCrop}; an image smaller than the crop is first enlarged to cover it.</li>
 *   <li>Grayscale is PIL's {@code convert("L")}, applied before resizing; sample values are used as stored (an
 *   embedded ICC profile is not applied) and transparent pixels are composited onto white ({@link Pixels}).</li>
 * </ul>
 */
public final class ImagePreprocessor {

    private ImagePreprocessor() {
    }

    /** Row-major {@code [C, H, W]} floats for one example of a model with input {@code shape}. */
    public static float[] toTensor(BufferedImage source, ModelDefinition.Preprocessing p, Shape shape) {
        int channels = shape.channels();
        boolean grey = p.color() != null ? p.color().equals("grayscale") : channels == 1;
        Pixels image = Pixels.of(source);
        image = grey ? image.grey() : image.rgb();
        List<Integer> resize = p.resize();
        if (resize != null) {
            image = resize.size() == 1 ? resizeShorterSide(image, resize.get(0))
                    : PilResampler.resize(image, resize.get(1), resize.get(0));
        }
        List<Integer> crop = p.centerCrop();
        if (crop != null) {
            image = centerCrop(image, crop.get(0), crop.get(1));
        }
        int h = shape.height();
        int w = shape.width();
        image = PilResampler.resize(image, w, h);
        float[] out = new float[channels * h * w];
        double scale = p.scale() == null ? 1.0 : p.scale();
        for (int c = 0; c < channels; c++) {
            int from = Math.min(c, image.channels - 1);
            double mean = value(p.mean(), c, 0.0);
            double std = value(p.std(), c, 1.0);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = image.get(x, y, from);
                    if (p.invert()) {
                        v = 255.0 - v;
                    }
                    out[(c * h + y) * w + x] = (float) ((v * scale - mean) / std);
                }
            }
        }
        return out;
    }

    private static double value(List<Double> perChannel, int c, double fallback) {
        if (perChannel == null || perChannel.isEmpty()) {
            return fallback;
        }
        return perChannel.get(Math.min(c, perChannel.size() - 1));
    }

    /** torchvision's {@code Resize(size)}: the shorter side becomes {@code size}, the longer one is truncated. */
    static Pixels resizeShorterSide(Pixels image, int size) {
        boolean portrait = image.width <= image.height;
        int shorter = portrait ? image.width : image.height;
        int longer = portrait ? image.height : image.width;
        int scaled = Math.max(1, (int) ((long) size * longer / (double) shorter));
        return portrait ? PilResampler.resize(image, size, scaled) : PilResampler.resize(image, scaled, size);
    }

    private static Pixels centerCrop(Pixels image, int height, int width) {
        if (height > image.height || width > image.width) {
            image = PilResampler.resize(image, Math.max(width, image.width), Math.max(height, image.height));
        }
        int top = (int) Math.rint((image.height - height) / 2.0);
        int left = (int) Math.rint((image.width - width) / 2.0);
        return image.crop(left, top, width, height);
    }
}
