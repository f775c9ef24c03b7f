package io.convserve.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.convserve.model.Shape;
import io.convserve.registry.ModelDefinition;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Preprocessing as model.json declares it, checked against values computed from the raw pixels. */
class ImagePreprocessorTest {

    static final ModelDefinition.Preprocessing LENET = new ModelDefinition.Preprocessing("grayscale", List.of(28, 28),
            null, 1 / 255.0, List.of(0.1307), List.of(0.3081), false);
    static final ModelDefinition.Preprocessing IMAGENET = new ModelDefinition.Preprocessing("rgb", List.of(256, 256),
            List.of(227, 227), 1 / 255.0, List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225), false);

    static byte[] resource(String name) throws Exception {
        try (InputStream in = ImagePreprocessorTest.class.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void greyDigitBecomesTheNormalisedRawPixels() throws Exception {
        byte[] png = resource("digits/00007_label7.png");
        BufferedImage raw = ImageIO.read(new java.io.ByteArrayInputStream(png));

        float[] x = ImagePreprocessor.toTensor(new ImageDecoder(4096, 1 << 24).decode(png), LENET, Shape.chw(1, 28, 28));

        assertThat(x).hasSize(784);
        for (int i = 0; i < 784; i++) {
            int u8 = raw.getRaster().getSample(i % 28, i / 28, 0);
            assertThat(x[i]).as("pixel %d", i).isCloseTo((float) ((u8 / 255.0 - 0.1307) / 0.3081), within(1e-6f));
        }
    }

    @Test
    void photoIsResizedCroppedAndNormalisedPerChannel() {
        BufferedImage solid = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = solid.createGraphics();
        g.setColor(new Color(10, 200, 30));
        g.fillRect(0, 0, 640, 480);
        g.dispose();

        float[] x = ImagePreprocessor.toTensor(solid, IMAGENET, Shape.chw(3, 227, 227));

        assertThat(x).hasSize(3 * 227 * 227);
        int plane = 227 * 227;
        assertThat(x[0]).isCloseTo((float) ((10 / 255.0 - 0.485) / 0.229), within(1e-5f));
        assertThat(x[plane + 1000]).isCloseTo((float) ((200 / 255.0 - 0.456) / 0.224), within(1e-5f));
        assertThat(x[2 * plane + plane - 1]).isCloseTo((float) ((30 / 255.0 - 0.406) / 0.225), within(1e-5f));
    }

    @Test
    void invertAndTransparencyOnWhite() throws Exception {
        // a transparent 28x28 canvas with one opaque black pixel: white background, inverted to 0, the stroke to 1
        BufferedImage canvas = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        canvas.setRGB(3, 5, 0xFF000000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(canvas, "png", png);
        ModelDefinition.Preprocessing inverted = new ModelDefinition.Preprocessing("grayscale", null, null, 1 / 255.0,
                null, null, true);

        float[] x = ImagePreprocessor.toTensor(new ImageDecoder(4096, 1 << 24).decode(png.toByteArray()), inverted,
                Shape.chw(1, 28, 28));

        assertThat(x[5 * 28 + 3]).isEqualTo(1f);
        assertThat(x[0]).isEqualTo(0f);
    }

    @Test
    void anyPhotoSizeFitsTheInputWithoutDeclaredResize() throws Exception {
        BufferedImage photo = new ImageDecoder(4096, 1 << 24).decode(resource("photos/china.jpg"));
        ModelDefinition.Preprocessing greyOnly = new ModelDefinition.Preprocessing("grayscale", null, null, 1 / 255.0,
                null, null, false);

        float[] x = ImagePreprocessor.toTensor(photo, greyOnly, Shape.chw(1, 28, 28));

        assertThat(x).hasSize(784);
        for (float v : x) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    static BufferedImage gradient(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | ((x + y) % 256));
            }
        }
        return image;
    }

    /** torchvision's Resize(256): the shorter side becomes 256, the longer one floor(256 * long / short). */
    @Test
    void shorterSideResizeKeepsTheAspectRatio() {
        Pixels landscape = ImagePreprocessor.resizeShorterSide(Pixels.of(gradient(640, 427)), 256);
        Pixels portrait = ImagePreprocessor.resizeShorterSide(Pixels.of(gradient(300, 451)), 256);

        assertThat(new int[] {landscape.width, landscape.height}).containsExactly(383, 256);
        assertThat(new int[] {portrait.width, portrait.height}).containsExactly(256, 384);
    }

    /**
     * Center crop offsets are round((side - crop) / 2) with ties to even, as torchvision's: 7 - 2 = 5 columns
     * leave 2 on the left (round(2.5) = 2), 9 - 2 = 7 rows leave 4 above (round(3.5) = 4).
     */
    @Test
    void centerCropRoundsTheOffsetLikeTorchvision() {
        BufferedImage image = new BufferedImage(7, 9, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 7; x++) {
                image.getRaster().setSample(x, y, 0, 10 * y + x);
            }
        }
        ModelDefinition.Preprocessing crop = new ModelDefinition.Preprocessing("grayscale", null, List.of(2, 2), null,
                null, null, false);

        float[] x = ImagePreprocessor.toTensor(image, crop, Shape.chw(1, 2, 2));

        assertThat(x).containsExactly(42, 43, 52, 53);
    }

    /** An image with an ICC profile gives its stored values, not values converted to sRGB. */
    @Test
    void storedSamplesAreUsedWithoutColourManagement() throws Exception {
        java.awt.color.ICC_Profile adobeLike = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB);
        java.awt.image.ComponentColorModel model = new java.awt.image.ComponentColorModel(
                new java.awt.color.ICC_ColorSpace(adobeLike), false, false, java.awt.Transparency.OPAQUE,
                java.awt.image.DataBuffer.TYPE_BYTE);
        BufferedImage linear = new BufferedImage(model, model.createCompatibleWritableRaster(2, 1), false, null);
        linear.getRaster().setPixel(0, 0, new int[] {10, 100, 200});
        linear.getRaster().setPixel(1, 0, new int[] {255, 0, 64});
        ModelDefinition.Preprocessing raw = new ModelDefinition.Preprocessing("rgb", null, null, null, null, null,
                false);

        float[] x = ImagePreprocessor.toTensor(linear, raw, Shape.chw(3, 1, 2));

        assertThat(x).containsExactly(10, 255, 100, 0, 200, 64);
    }
}
