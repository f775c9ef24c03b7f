"""Classifies a digit image with lenet5 over the Open Inference Protocol (KServe v2), tensors in binary.

    python3 examples/python/infer.py http://localhost:8080 data/mnist/png/00007_label7.png

Needs requests and numpy. The service turns the image into lenet5's input tensor (/preprocess, the model's own
preprocessing); the tensor then goes to /infer as raw little-endian FP32 after a JSON header (the binary tensor
data extension), and the probabilities come back the same way.
"""
import json
import sys

import numpy as np
import requests

url, image = sys.argv[1], sys.argv[2]
model = url + "/v2/models/lenet5"

with open(image, "rb") as f:
    tensor = requests.post(model + "/preprocess", data=f.read(), headers={"Content-Type": "image/png"})
tensor.raise_for_status()
spec = tensor.json()["inputs"][0]
x = np.asarray(spec["data"], dtype="<f4").reshape(spec["shape"])

header = json.dumps({
    "inputs": [{"name": spec["name"], "shape": list(x.shape), "datatype": "FP32",
                "parameters": {"binary_data_size": x.nbytes}}],
    "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}}],
}).encode()
response = requests.post(model + "/infer", data=header + x.tobytes(), headers={
    "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))})
response.raise_for_status()

length = int(response.headers["Inference-Header-Content-Length"])
answer = json.loads(response.content[:length])
output = answer["outputs"][0]
p = np.frombuffer(response.content[length:length + output["parameters"]["binary_data_size"]], dtype="<f4")
p = p.reshape(output["shape"])
print(f"{answer['model_name']} version {answer['model_version']}: {output['name']} {output['shape']} {output['datatype']}")
for digit in np.argsort(-p[0])[:3]:
    print(f"{digit}: {p[0][digit]:.4f}")
