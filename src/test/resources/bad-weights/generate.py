"""Writes the broken weights files that ModelLoaderTest expects to be rejected.

Run: cd src/test/resources/bad-weights && python3 generate.py
One model folder `tiny` with a valid version 1 and a broken version per case (2..6).
"""
import json
import os

import numpy as np

rng = np.random.default_rng(7)
model = {
    "format_version": 1,
    "name": "tiny",
    "input": {"name": "input", "shape": [2, 6, 6], "datatype": "FP32", "layout": "NCHW"},
    "output": {"name": "output"},
    "layers": [
        {"type": "conv2d", "name": "conv", "filters": 3, "kernel": 3, "activation": "relu"},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "fc", "units": 4},
    ],
}
good = {
    "conv.weight": rng.standard_normal((3, 2, 3, 3), dtype=np.float32),
    "conv.bias": rng.standard_normal(3, dtype=np.float32),
    "fc.weight": rng.standard_normal((4, 48), dtype=np.float32),
    "fc.bias": rng.standard_normal(4, dtype=np.float32),
}
os.makedirs("tiny", exist_ok=True)
with open("tiny/model.json", "w") as f:
    json.dump(model, f, indent=2)


def write(version, arrays, compressed=False):
    os.makedirs(f"tiny/{version}", exist_ok=True)
    (np.savez_compressed if compressed else np.savez)(f"tiny/{version}/weights.npz", **arrays)


write(1, good)                                                            # valid
write(2, {k: v for k, v in good.items() if k != "fc.bias"})               # missing array
write(3, {**good, "fc2.weight": np.zeros((2, 2), np.float32)})            # extra array
write(4, {**good, "fc.weight": np.zeros((4, 47), np.float32)})            # mis-shaped
write(5, good, compressed=True)                                           # DEFLATED entries
write(6, {**good, "conv.bias": np.array([1, np.nan, 2], np.float32)})     # NaN
write(7, {**good, "conv.weight": good["conv.weight"].astype(np.float64)}) # float64: accepted, converted
os.makedirs("tiny/8", exist_ok=True)
with open("tiny/8/weights.npz", "wb") as f:                               # not a zip at all
    f.write(b"this is not an npz archive")
print("written tiny/1..8")
