"""PyTorch's intermediate activations of the bundled lenet5 for one real MNIST digit: the reference for
the v2 infer `outputs` that name a layer (InferApiTest.layerOutputsEqualPyTorch).

The model is tools/lenet5/train.py's LeNet5 with the weights of src/main/resources/models/lenet5/1/weights.npz.
Each key of the output is a layer name of model.json; its value is that layer's output (after the layer's own
activation, as our layers fuse it), flattened row-major, with its shape.

Usage: python3 src/test/resources/activations/generate.py   (writes lenet5-digit.json next to this file)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))
sys.path.insert(0, os.path.join(ROOT, "tools/lenet5"))
from train import LeNet5  # noqa: E402

weights = np.load(os.path.join(ROOT, "src/main/resources/models/lenet5/1/weights.npz"))
model = LeNet5()
model.load_state_dict({k: torch.from_numpy(weights[k]) for k in weights.files})
model.eval()

images = np.load(os.path.join(ROOT, "data/mnist/test_images_u8.npy"))
labels = np.load(os.path.join(ROOT, "data/mnist/test_labels.npy"))
index = 11
x = torch.from_numpy(((images[index].astype(np.float32) / 255.0 - 0.1307) / 0.3081)[None, None])

with torch.no_grad():
    out = {}
    out["conv1"] = F.relu(model.conv1(x))
    out["pool1"] = model.pool1(out["conv1"])
    out["conv2"] = F.relu(model.conv2(out["pool1"]))
    out["pool2"] = model.pool2(out["conv2"])
    out["flatten"] = torch.flatten(out["pool2"], 1)
    out["fc1"] = F.relu(model.fc1(out["flatten"]))
    out["fc2"] = F.relu(model.fc2(out["fc1"]))
    out["fc3"] = F.softmax(model.fc3(out["fc2"]), dim=1)

doc = {
    "source": f"MNIST test image {index} of data/mnist/test_images_u8.npy, label {int(labels[index])}; "
              f"torch {torch.__version__}",
    "label": int(labels[index]),
    "input": {"shape": list(x.shape), "data": [float(v) for v in x.flatten()]},
    "outputs": {k: {"shape": list(v.shape), "data": [float(f) for f in v.flatten()]} for k, v in out.items()},
}
with open(os.path.join(HERE, "lenet5-digit.json"), "w") as f:
    json.dump(doc, f)
print("label", doc["label"], "predicted", int(out["fc3"].argmax()))
