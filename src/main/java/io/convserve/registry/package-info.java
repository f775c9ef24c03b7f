/** Reading model.json and weights.npz, the model repository folder, versions, load and unload. */
package io.convserve.registry;
