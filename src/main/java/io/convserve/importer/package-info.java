/**
 * Importers that turn Keras ({@code .keras}, {@code .h5}) and ONNX files into our {@code model.json} and
 * {@code weights.npz} (docs/model-format.md), with the layout conversions they need; depends on {@code model} and
 * {@code registry}, never on HTTP or serving.
 */
package io.convserve.importer;
