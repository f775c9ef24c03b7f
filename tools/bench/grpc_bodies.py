"""Writes framed gRPC ModelInferRequest bodies for h2load (tools/bench/grpc.sh): the 5-byte gRPC message prefix
(uncompressed flag, big-endian length) and the serialized request, with stubs that grpcio-tools generates from
src/main/proto. lenet5: one image [1, 1, 28, 28]; alexnet: a batch [8, 3, 227, 227]; FP32 raw_input_contents.
Usage: python tools/bench/grpc_bodies.py OUT_DIR"""
import importlib
import importlib.resources
import struct
import sys
import tempfile

import numpy as np
from grpc_tools import protoc


def main(out_dir):
    stubs = tempfile.mkdtemp(prefix="convserve-bench-")
    include = importlib.resources.files("grpc_tools") / "_proto"
    for proto in ("model_config.proto", "grpc_service.proto"):
        assert protoc.main(["protoc", "-Isrc/main/proto", f"-I{include}", f"--python_out={stubs}", proto]) == 0
    sys.path.insert(0, stubs)
    pb = importlib.import_module("grpc_service_pb2")
    rng = np.random.default_rng(2026)
    for model, shape in (("lenet5", (1, 1, 28, 28)), ("alexnet", (8, 3, 227, 227))):
        request = pb.ModelInferRequest(model_name=model)
        request.inputs.add(name="input", datatype="FP32", shape=list(shape))
        request.raw_input_contents.append(rng.random(shape, dtype=np.float32).astype("<f4").tobytes())
        message = request.SerializeToString()
        with open(f"{out_dir}/{model}.grpc", "wb") as f:
            f.write(struct.pack(">BI", 0, len(message)) + message)


if __name__ == "__main__":
    main(sys.argv[1])
