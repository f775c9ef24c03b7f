#!/usr/bin/env python3
"""Runs the design view's exported PyTorch and Keras snippets and compares them with the service's layer table.

Usage: check_snippets.py CASE.json [CASE.json ...]

Each case is what the page exported for one design (the browser test writes them, see UiEndToEndTest):
  {"name": ..., "input_shape": [C, H, W], "batch": N,
   "layers": [{"name", "type", "output_shape": [N, ...] (NCHW), "parameters"}], "parameters": total,
   "pytorch": {"code": ..., "modules": {layer name: [module names]}},
   "keras": {"code": ..., "modules": {layer name: [Keras layer names]}}}

For every layer: the output shape of its last module (Keras's NHWC turned to NCHW) and the parameters of its
modules (PyTorch's batch-norm running mean and variance counted, as the service and Keras count them) must equal the
service's; so must the totals and the output of a forward pass on zeros. Prints one line per check; exits 1 on any
difference.
"""
import contextlib
import io
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run(code):
    """Executes a snippet (its prints silenced) and answers its `model`."""
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace["model"]


def torch_side(case):
    import torch

    model = run(case["pytorch"]["code"])
    model.eval()
    outputs = {}
    children = dict(model.named_children())
    for name, module in children.items():
        module.register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, list(o.shape)))
    with torch.no_grad():
        final = model(torch.zeros(case["batch"], *case["input_shape"]))

    def count(module):
        n = sum(p.numel() for p in module.parameters())
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            n += module.running_mean.numel() + module.running_var.numel()
        return n

    rows = {}
    for layer, names in case["pytorch"]["modules"].items():
        rows[layer] = (outputs[names[-1]], sum(count(children[n]) for n in names))
    return rows, list(final.shape), sum(count(m) for m in children.values())


def keras_side(case):
    import numpy as np

    model = run(case["keras"]["code"])

    def nchw(shape, batch):
        dims = [batch] + [int(d) for d in shape[1:]]
        return [dims[0], dims[3], dims[1], dims[2]] if len(dims) == 4 else dims

    rows = {}
    for layer, names in case["keras"]["modules"].items():
        last = model.get_layer(names[-1])
        rows[layer] = (nchw(last.output.shape, case["batch"]), sum(model.get_layer(n).count_params() for n in names))
    c, *hw = case["input_shape"]
    x = np.zeros([case["batch"], *hw, c] if hw else [case["batch"], c], dtype="float32")
    final = model(x, training=False)
    return rows, nchw(final.shape, case["batch"]), model.count_params()


def check(case):
    failures = 0
    expected_output = case["layers"][-1]["output_shape"]
    for framework, side in (("pytorch", torch_side), ("keras", keras_side)):
        rows, output, total = side(case)
        for layer in case["layers"]:
            shape, params = rows[layer["name"]]
            ok = shape == layer["output_shape"] and params == layer["parameters"]
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {case['name']} {framework} {layer['name']}: output {shape}, "
                  f"{params:,} parameters (service: {layer['output_shape']}, {layer['parameters']:,})")
        ok = output == expected_output and total == case["parameters"]
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case['name']} {framework} total: forward pass gives {output}, "
              f"{total:,} parameters (service: {expected_output}, {case['parameters']:,})")
    return failures


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failures = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            failures += check(json.load(f))
    print(f"{'FAIL' if failures else 'ok  '} {len(paths)} designs, {failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
