package io.convserve.serving;

import io.convserve.model.Shape;
import io.convserve.registry.ModelDefinition;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Turns a decoded image into the model's input tensor as {@code model.json}'s {@code preprocessing} declares:
 * colour (grayscale/rgb), resize, center crop, invert, scale, then per-channel mean/std. Transparent pixels are
 * composited onto white. Without {@code resize}, the image is resized to the input's H x W as the last step, so an
 * image of any size fits.
 *
 * <p>Resizing uses Java 2D: area averaging when shrinking (no aliasing from large photos), bilinear when growing.
 * Grayscale is ITU-R BT.601 luma ({@code 0.299 R + 0.587 G + 0.114 B}), as PIL's {@code convert("L")}.
 */
public final class ImagePreprocessor {

    private ImagePreprocessor() {
    }

    /** Row-major {@code [C, H, W]} floats for one example of a model with input {@code shape}. */
    public static float[] toTensor(BufferedImage source, ModelDefinition.Preprocessing p, Shape shape) {
        int channels = shape.channels();
        BufferedImage image = onWhite(source);
        List<Integer> resize = p.resize();
        if (resize != null) {
            image = resize(image, resize.get(0), resize.get(1));
        }
        List<Integer> crop = p.centerCrop();
        if (crop != null) {
            image = centerCrop(image, crop.get(0), crop.get(1));
        }
        if (image.getHeight() != shape.height() || image.getWidth() != shape.width()) {
            image = resize(image, shape.height(), shape.width());
        }
        boolean grey = p.color() != null ? p.color().equals("grayscale") : channels == 1;
        int h = shape.height();
        int w = shape.width();
        float[] out = new float[channels * h * w];
        double scale = p.scale() == null ? 1.0 : p.scale();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                double r = (rgb >> 16) & 0xFF;
                double g = (rgb >> 8) & 0xFF;
                double b = rgb & 0xFF;
                for (int c = 0; c < channels; c++) {
                    double v = grey ? 0.299 * r + 0.587 * g + 0.114 * b : (c == 0 ? r : c == 1 ? g : b);
                    if (p.invert()) {
                        v = 255.0 - v;
                    }
                    v *= scale;
                    v = (v - value(p.mean(), c, 0.0)) / value(p.std(), c, 1.0);
                    out[(c * h + y) * w + x] = (float) v;
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

    /**
     * An opaque RGB copy, transparent areas composited onto white. Grey images are copied sample by sample:
     * Java 2D would treat their grey as linear and brighten it on the way to sRGB.
     */
    private static BufferedImage onWhite(BufferedImage source) {
        if (source.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
            return greyOnWhite(source);
        }
        BufferedImage rgb = new BufferedImage(source.getWidth(), source.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
            g.drawImage(source, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    private static BufferedImage greyOnWhite(BufferedImage source) {
        java.awt.image.Raster raster = source.getRaster();
        int bands = raster.getNumBands();
        boolean alpha = source.getColorModel().hasAlpha() && bands > 1;
        double greyMax = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
        double alphaMax = alpha ? (1 << raster.getSampleModel().getSampleSize(bands - 1)) - 1 : 1;
        BufferedImage rgb = new BufferedImage(source.getWidth(), source.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < source.getHeight(); y++) {
            for (int x = 0; x < source.getWidth(); x++) {
                double v = raster.getSample(x, y, 0) * 255.0 / greyMax;
                if (alpha) {
                    double a = raster.getSample(x, y, bands - 1) / alphaMax;
                    v = v * a + 255.0 * (1 - a);
                }
                int g = (int) Math.round(v);
                rgb.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        return rgb;
    }

    static BufferedImage resize(BufferedImage image, int height, int width) {
        if (image.getWidth() == width && image.getHeight() == height) {
            return image;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            if (width < image.getWidth() || height < image.getHeight()) {
                Image scaled = image.getScaledInstance(width, height, Image.SCALE_AREA_AVERAGING);
                g.drawImage(scaled, 0, 0, null);
            } else {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(image, 0, 0, width, height, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static BufferedImage centerCrop(BufferedImage image, int height, int width) {
        if (height > image.getHeight() || width > image.getWidth()) {
            image = resize(image, Math.max(height, image.getHeight()), Math.max(width, image.getWidth()));
        }
        int top = (image.getHeight() - height) / 2;
        int left = (image.getWidth() - width) / 2;
        return image.getSubimage(left, top, width, height);
    }
}
