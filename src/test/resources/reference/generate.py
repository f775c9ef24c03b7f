"""Reference forward passes for GoldenForwardTest, computed by PyTorch and Keras (TensorFlow backend).

Run from this folder:  python3 generate.py
Each case folder holds model.json + 1/weights.npz (our format, docs/model-format.md) and io.npz with the
reference framework's `input` [N,C,H,W] and `output`; source.txt says which framework module computed it.
Everything is seeded, so a re-run rewrites identical files. numpy.savez writes STORED entries.
"""
import json
import zlib
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))


def write_case(name, input_shape, layers, params, x, y, source):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "1"))
    model = {"format_version": 1, "name": name,
             "input": {"name": "input", "shape": list(input_shape), "datatype": "FP32", "layout": "NCHW"},
             "output": {"name": "output"}, "layers": layers}
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(model, f, indent=1)
    np.savez(os.path.join(d, "1", "weights.npz"), **{k: np.ascontiguousarray(v, dtype=np.float32)
                                                     for k, v in params.items()})
    np.savez(os.path.join(d, "io.npz"), input=np.ascontiguousarray(x, dtype=np.float32),
             output=np.ascontiguousarray(y, dtype=np.float32))
    with open(os.path.join(d, "source.txt"), "w") as f:
        f.write(source + "\n")
    print(f"{name:32s} in={list(x.shape)} out={list(y.shape)}")


# ---------------------------------------------------------------- PyTorch: a Sequential mapped layer by layer

def torch_params(spec_module_pairs):
    """Our npz arrays from the torch modules, by our layer name."""
    out = {}
    for spec, m in spec_module_pairs:
        n = spec["name"]
        if isinstance(m, nn.Conv2d):
            out[n + ".weight"] = m.weight.detach().numpy()
            if m.bias is not None:
                out[n + ".bias"] = m.bias.detach().numpy()
        elif isinstance(m, nn.Linear):
            out[n + ".weight"] = m.weight.detach().numpy()
            if m.bias is not None:
                out[n + ".bias"] = m.bias.detach().numpy()
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            out[n + ".gamma"] = m.weight.detach().numpy()
            out[n + ".beta"] = m.bias.detach().numpy()
            out[n + ".moving_mean"] = m.running_mean.numpy()
            out[n + ".moving_variance"] = m.running_var.numpy()
    return out


def randomize_bn(m):
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm2d, nn.BatchNorm1d)):
                c = mod.num_features
                mod.weight.copy_(torch.rand(c) + 0.5)
                mod.bias.copy_(torch.randn(c) * 0.2)
                mod.running_mean.copy_(torch.randn(c) * 0.3)
                mod.running_var.copy_(torch.rand(c) + 0.5)


def torch_case(name, input_shape, pairs, n=2, scale=1.0, source=None):
    """pairs: list of (our layer spec, torch module or callable)."""
    x = torch.randn(n, *input_shape) * scale
    modules = [m for _, m in pairs]
    for m in modules:
        if isinstance(m, nn.Module):
            randomize_bn(m)
            m.eval()
    with torch.no_grad():
        y = x
        for m in modules:
            y = m(y)
    src = source or "torch " + torch.__version__ + ": " + "; ".join(
        repr(m) if isinstance(m, nn.Module) else getattr(m, "__doc__", "fn") for m in modules)
    write_case(name, input_shape, [s for s, _ in pairs], torch_params(pairs), x.numpy(), y.numpy(), src)


class Fn(nn.Module):
    def __init__(self, f, text):
        super().__init__()
        self.f, self.text = f, text

    def forward(self, x):
        return self.f(x)

    def extra_repr(self):
        return self.text


def L(type_, name, **kw):
    d = {"type": type_, "name": name}
    d.update(kw)
    return d


# conv2d
torch_case("conv2d_basic", (3, 9, 9), [(L("conv2d", "c", filters=4, kernel=3), nn.Conv2d(3, 4, 3))])
torch_case("conv2d_stride_pad", (3, 11, 13), [(L("conv2d", "c", filters=5, kernel=5, stride=2, padding=2),
                                               nn.Conv2d(3, 5, 5, stride=2, padding=2))])
torch_case("conv2d_rect_kernel", (2, 10, 12), [(L("conv2d", "c", filters=3, kernel=[3, 5], stride=[2, 1], padding=[1, 2]),
                                                nn.Conv2d(2, 3, (3, 5), stride=(2, 1), padding=(1, 2)))])
torch_case("conv2d_dilation", (2, 12, 12), [(L("conv2d", "c", filters=3, kernel=3, dilation=2, padding=1),
                                             nn.Conv2d(2, 3, 3, dilation=2, padding=1))])
torch_case("conv2d_groups", (4, 9, 9), [(L("conv2d", "c", filters=6, kernel=3, groups=2, padding=1),
                                         nn.Conv2d(4, 6, 3, groups=2, padding=1))])
# depthwise
torch_case("depthwise_conv2d", (3, 8, 8), [(L("depthwise_conv2d", "dw", kernel=3, depth_multiplier=2),
                                            nn.Conv2d(3, 6, 3, groups=3))])
torch_case("depthwise_conv2d_stride_pad", (4, 9, 9), [(L("depthwise_conv2d", "dw", kernel=3, stride=2, padding=1, bias=False),
                                                       nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4, bias=False))])
# pools
for name, shape, kw, tmod in [
    ("max_pool2d", (3, 8, 8), dict(pool=2), nn.MaxPool2d(2)),
    ("max_pool2d_pad", (3, 9, 9), dict(pool=3, stride=2, padding=1), nn.MaxPool2d(3, 2, 1)),
    ("max_pool2d_ceil", (3, 8, 8), dict(pool=3, stride=2, ceil_mode=True), nn.MaxPool2d(3, 2, ceil_mode=True)),
    ("max_pool2d_ceil_pad", (2, 5, 6), dict(pool=2, stride=2, padding=1, ceil_mode=True), nn.MaxPool2d(2, 2, 1, ceil_mode=True)),
    ("avg_pool2d", (3, 8, 8), dict(pool=2), nn.AvgPool2d(2)),
    ("avg_pool2d_pad", (3, 9, 9), dict(pool=3, stride=2, padding=1), nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
    ("avg_pool2d_ceil", (3, 8, 8), dict(pool=3, stride=2, ceil_mode=True), nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d_ceil_pad", (2, 5, 6), dict(pool=2, stride=2, padding=1, ceil_mode=True),
     nn.AvgPool2d(2, 2, 1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d_rect", (2, 7, 9), dict(pool=[2, 3], stride=[1, 2]), nn.AvgPool2d((2, 3), (1, 2))),
]:
    t = "max_pool2d" if name.startswith("max") else "avg_pool2d"
    torch_case(name, shape, [(L(t, "p", **kw), tmod)])
torch_case("adaptive_avg_pool2d_7to3", (3, 7, 7), [(L("adaptive_avg_pool2d", "a", output_size=[3, 3]), nn.AdaptiveAvgPool2d(3))])
torch_case("adaptive_avg_pool2d_5x8to2x3", (2, 5, 8), [(L("adaptive_avg_pool2d", "a", output_size=[2, 3]), nn.AdaptiveAvgPool2d((2, 3)))])
torch_case("adaptive_avg_pool2d_13to6", (2, 13, 13), [(L("adaptive_avg_pool2d", "a", output_size=6), nn.AdaptiveAvgPool2d(6))])
torch_case("global_avg_pool2d", (4, 5, 6), [(L("global_avg_pool2d", "g"), Fn(lambda x: x.mean((2, 3)), "x.mean((2,3))"))])
torch_case("global_max_pool2d", (4, 5, 6), [(L("global_max_pool2d", "g"), Fn(lambda x: x.amax((2, 3)), "x.amax((2,3))"))])
torch_case("zero_pad2d_asym", (2, 4, 5), [(L("zero_pad2d", "z", padding=[1, 2, 3, 0]), nn.ZeroPad2d((3, 0, 1, 2)))])
torch_case("zero_pad2d_int", (2, 4, 5), [(L("zero_pad2d", "z", padding=2), nn.ZeroPad2d(2))])
torch_case("batch_norm", (4, 5, 5), [(L("batch_norm", "bn", epsilon=1e-3), nn.BatchNorm2d(4, eps=1e-3))])
torch_case("batch_norm_flat", (6,), [(L("batch_norm", "bn"), nn.BatchNorm1d(6))], n=3)
torch_case("local_response_norm", (8, 5, 5), [(L("local_response_norm", "lrn", size=5, alpha=1e-4, beta=0.75, k=2.0),
                                               nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0))], scale=10.0)
torch_case("local_response_norm_even", (7, 4, 4), [(L("local_response_norm", "lrn", size=4, alpha=0.01, beta=0.5, k=1.0),
                                                    nn.LocalResponseNorm(4, alpha=0.01, beta=0.5, k=1.0))], scale=3.0)
torch_case("local_response_norm_3", (6, 3, 3), [(L("local_response_norm", "lrn", size=3, alpha=0.05, beta=0.75, k=1.0),
                                                 nn.LocalResponseNorm(3, alpha=0.05, beta=0.75, k=1.0))], scale=3.0)
torch_case("flatten_dense", (3, 4, 5), [(L("flatten", "f"), nn.Flatten()), (L("dense", "fc", units=7), nn.Linear(60, 7))])
torch_case("activations", (3, 4, 4), [(L("dropout", "d", rate=0.3), nn.Dropout(0.3)), (L("relu", "r"), nn.ReLU()),
                                      (L("leaky_relu", "lr", alpha=0.2), nn.LeakyReLU(0.2))])
torch_case("leaky_relu", (3, 4, 4), [(L("leaky_relu", "lr", alpha=0.2), nn.LeakyReLU(0.2))])
torch_case("sigmoid_tanh", (3, 4, 4), [(L("sigmoid", "s"), nn.Sigmoid()), (L("tanh", "t"), nn.Tanh())], scale=2.0)
torch_case("softmax_channels", (5, 3, 3), [(L("softmax", "sm"), nn.Softmax(dim=1))], scale=3.0)
torch_case("softmax_dense", (3, 3, 3), [(L("flatten", "f"), nn.Flatten()), (L("dense", "fc", units=10), nn.Linear(27, 10)),
                                        (L("softmax", "sm"), nn.Softmax(dim=1))])

# ---------------------------------------------------------------- whole networks (PyTorch)

def net_case(name, input_shape, specs, seq, n=2, scale=1.0):
    """specs: our layers; seq: torch Sequential whose parameterised modules appear in the same order."""
    randomize_bn(seq)
    seq.eval()
    x = torch.randn(n, *input_shape) * scale
    with torch.no_grad():
        y = seq(x)
    param_specs = [s for s in specs if s["type"] in ("conv2d", "depthwise_conv2d", "dense", "batch_norm")]
    param_mods = [m for m in seq.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.BatchNorm1d))]
    assert len(param_specs) == len(param_mods), (name, len(param_specs), len(param_mods))
    write_case(name, input_shape, specs, torch_params(list(zip(param_specs, param_mods))), x.numpy(), y.numpy(),
               "torch " + torch.__version__ + ": " + repr(seq).replace("\n", " "))


def seq_case(name, input_shape, pairs, **kw):
    specs = [s for s, _ in pairs]
    net_case(name, input_shape, specs, nn.Sequential(*[m for _, m in pairs]), **kw)


# cases whose torch modules are wrapped (conv + activation): net_case finds the parameterised modules inside
seq_case("conv2d_asym_pad", (3, 8, 9), [(L("conv2d", "c", filters=4, kernel=3, padding=[1, 2, 0, 3]),
                                         nn.Sequential(Fn(lambda x: F.pad(x, (0, 3, 1, 2)), "F.pad"), nn.Conv2d(3, 4, 3)))])
seq_case("conv2d_nobias_relu", (3, 8, 8), [(L("conv2d", "c", filters=4, kernel=3, bias=False, activation="relu"),
                                            nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.ReLU()))])
seq_case("conv2d_tanh_sigmoid", (2, 7, 7), [
    (L("conv2d", "c1", filters=3, kernel=3, activation="tanh"), nn.Sequential(nn.Conv2d(2, 3, 3), nn.Tanh())),
    (L("conv2d", "c2", filters=2, kernel=1, activation="sigmoid"), nn.Sequential(nn.Conv2d(3, 2, 1), nn.Sigmoid()))])
seq_case("conv2d_leaky_softmax", (2, 6, 6), [
    (L("conv2d", "c1", filters=3, kernel=3, activation="leaky_relu"), nn.Sequential(nn.Conv2d(2, 3, 3), nn.LeakyReLU(0.01))),
    (L("conv2d", "c2", filters=4, kernel=1, activation="softmax"), nn.Sequential(nn.Conv2d(3, 4, 1), nn.Softmax(dim=1)))])
seq_case("dense_relu_nobias", (3, 2, 2), [(L("flatten", "f"), nn.Flatten()),
                                          (L("dense", "fc1", units=8, activation="relu"), nn.Sequential(nn.Linear(12, 8), nn.ReLU())),
                                          (L("dense", "fc2", units=5, bias=False), nn.Linear(8, 5, bias=False))])

seq_case("net_lenet5", (1, 28, 28), [
    (L("conv2d", "conv1", filters=6, kernel=5, padding=2, activation="relu"), nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU())),
    (L("max_pool2d", "pool1", pool=2), nn.MaxPool2d(2)),
    (L("conv2d", "conv2", filters=16, kernel=5, activation="relu"), nn.Sequential(nn.Conv2d(6, 16, 5), nn.ReLU())),
    (L("max_pool2d", "pool2", pool=2), nn.MaxPool2d(2)),
    (L("flatten", "flatten"), nn.Flatten()),
    (L("dense", "fc1", units=120, activation="relu"), nn.Sequential(nn.Linear(400, 120), nn.ReLU())),
    (L("dense", "fc2", units=84, activation="relu"), nn.Sequential(nn.Linear(120, 84), nn.ReLU())),
    (L("dense", "fc3", units=10, activation="softmax"), nn.Sequential(nn.Linear(84, 10), nn.Softmax(dim=1)))])
seq_case("net_mini_alexnet", (3, 67, 67), [
    (L("conv2d", "conv1", filters=16, kernel=11, stride=4, padding=2, activation="relu"),
     nn.Sequential(nn.Conv2d(3, 16, 11, stride=4, padding=2), nn.ReLU())),
    (L("local_response_norm", "norm1", size=5, alpha=1e-4, beta=0.75, k=2.0), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0)),
    (L("max_pool2d", "pool1", pool=3, stride=2), nn.MaxPool2d(3, 2)),
    (L("conv2d", "conv2", filters=24, kernel=5, padding=2, groups=2, activation="relu"),
     nn.Sequential(nn.Conv2d(16, 24, 5, padding=2, groups=2), nn.ReLU())),
    (L("local_response_norm", "norm2", size=5, alpha=1e-4, beta=0.75, k=2.0), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0)),
    (L("max_pool2d", "pool2", pool=3, stride=2, ceil_mode=True), nn.MaxPool2d(3, 2, ceil_mode=True)),
    (L("conv2d", "conv3", filters=32, kernel=3, padding=1, activation="relu"), nn.Sequential(nn.Conv2d(24, 32, 3, padding=1), nn.ReLU())),
    (L("adaptive_avg_pool2d", "avgpool", output_size=[2, 2]), nn.AdaptiveAvgPool2d(2)),
    (L("flatten", "flatten"), nn.Flatten()),
    (L("dropout", "drop", rate=0.5), nn.Dropout(0.5)),
    (L("dense", "fc1", units=32, activation="relu"), nn.Sequential(nn.Linear(128, 32), nn.ReLU())),
    (L("dense", "fc2", units=10, activation="softmax"), nn.Sequential(nn.Linear(32, 10), nn.Softmax(dim=1)))], scale=2.0)
seq_case("net_bn_gap", (3, 16, 16), [
    (L("conv2d", "conv1", filters=8, kernel=3, padding=1, bias=False), nn.Conv2d(3, 8, 3, padding=1, bias=False)),
    (L("batch_norm", "bn1"), nn.BatchNorm2d(8)),
    (L("relu", "relu1"), nn.ReLU()),
    (L("depthwise_conv2d", "dw", kernel=3, stride=2, padding=1, bias=False), nn.Conv2d(8, 8, 3, 2, 1, groups=8, bias=False)),
    (L("batch_norm", "bn2"), nn.BatchNorm2d(8)),
    (L("relu", "relu2"), nn.ReLU()),
    (L("conv2d", "pw", filters=12, kernel=1), nn.Conv2d(8, 12, 1)),
    (L("global_avg_pool2d", "gap"), Fn(lambda x: x.mean((2, 3)), "mean(2,3)")),
    (L("dense", "fc", units=5, activation="softmax"), nn.Sequential(nn.Linear(12, 5), nn.Softmax(dim=1)))])

# ---------------------------------------------------------------- Keras (NHWC): TensorFlow's 'same' padding
import keras  # noqa: E402
from keras import layers as kl  # noqa: E402

keras.utils.set_random_seed(1)


def keras_case(name, input_shape, klayers, specs, n=2):
    c, h, w = input_shape
    model = keras.Sequential([keras.Input((h, w, c))] + klayers)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for layer in model.layers:
        if isinstance(layer, kl.BatchNormalization):
            g, b, mm, mv = layer.get_weights()
            layer.set_weights([rng.random(g.shape) + 0.5, rng.standard_normal(b.shape) * 0.2,
                               rng.standard_normal(mm.shape) * 0.3, rng.random(mv.shape) + 0.5])
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    y = model(np.transpose(x, (0, 2, 3, 1)), training=False).numpy()
    if y.ndim == 4:
        y = np.transpose(y, (0, 3, 1, 2))
    params = {}
    weighted = [s for s in specs if s["type"] in ("conv2d", "depthwise_conv2d", "dense", "batch_norm")]
    for spec, layer in zip(weighted, [l for l in model.layers if l.get_weights()]):
        ws = layer.get_weights()
        n_ = spec["name"]
        if isinstance(layer, kl.DepthwiseConv2D):
            k = ws[0]  # [kh, kw, cin, mult] -> [cin*mult, 1, kh, kw], channel c*mult+m
            kh, kw, cin, mult = k.shape
            params[n_ + ".weight"] = np.transpose(k, (2, 3, 0, 1)).reshape(cin * mult, 1, kh, kw)
        elif isinstance(layer, kl.Conv2D):
            params[n_ + ".weight"] = np.transpose(ws[0], (3, 2, 0, 1))
        elif isinstance(layer, kl.Dense):
            params[n_ + ".weight"] = ws[0].T
        elif isinstance(layer, kl.BatchNormalization):
            params.update({n_ + ".gamma": ws[0], n_ + ".beta": ws[1], n_ + ".moving_mean": ws[2],
                           n_ + ".moving_variance": ws[3]})
            continue
        if len(ws) > 1:
            params[n_ + ".bias"] = ws[1]
    src = "keras " + keras.__version__ + " (tensorflow backend), NHWC transposed to NCHW: " + ", ".join(
        f"{type(l).__name__}({l.get_config().get('padding', '')})" for l in model.layers)
    write_case(name, input_shape, specs, params, x, y, src)


keras_case("keras_conv_same_stride2_odd", (3, 7, 9), [kl.Conv2D(4, 3, strides=2, padding="same")],
           [L("conv2d", "c", filters=4, kernel=3, stride=2, padding="same")])
keras_case("keras_conv_same_stride2_even", (2, 8, 8), [kl.Conv2D(3, 4, strides=2, padding="same")],
           [L("conv2d", "c", filters=3, kernel=4, stride=2, padding="same")])
keras_case("keras_conv_same_dilation", (2, 9, 10), [kl.Conv2D(3, 3, dilation_rate=2, padding="same", activation="relu")],
           [L("conv2d", "c", filters=3, kernel=3, dilation=2, padding="same", activation="relu")])
keras_case("keras_conv_valid", (3, 8, 7), [kl.Conv2D(4, (3, 2), strides=(1, 2), padding="valid")],
           [L("conv2d", "c", filters=4, kernel=[3, 2], stride=[1, 2], padding="valid")])
keras_case("keras_maxpool_same_7", (3, 7, 7), [kl.MaxPooling2D(3, strides=2, padding="same")],
           [L("max_pool2d", "p", pool=3, stride=2, padding="same")])
keras_case("keras_maxpool_same_5", (3, 5, 5), [kl.MaxPooling2D(2, strides=2, padding="same")],
           [L("max_pool2d", "p", pool=2, stride=2, padding="same")])
keras_case("keras_avgpool_same", (3, 7, 6), [kl.AveragePooling2D(3, strides=2, padding="same")],
           [L("avg_pool2d", "p", pool=3, stride=2, padding="same")])
keras_case("keras_depthwise_same", (3, 9, 8), [kl.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same")],
           [L("depthwise_conv2d", "dw", kernel=3, stride=2, depth_multiplier=2, padding="same")])
keras_case("keras_depthwise_dilation", (2, 9, 9), [kl.DepthwiseConv2D(3, dilation_rate=2, padding="same")],
           [L("depthwise_conv2d", "dw", kernel=3, dilation=2, padding="same")])
keras_case("keras_batchnorm", (4, 5, 5), [kl.BatchNormalization(epsilon=1e-3)], [L("batch_norm", "bn", epsilon=1e-3)])
keras_case("keras_global_avg", (4, 5, 6), [kl.Conv2D(6, 3, padding="same"), kl.GlobalAveragePooling2D(),
                                           kl.Dense(3, activation="softmax")],
           [L("conv2d", "c", filters=6, kernel=3, padding="same"), L("global_avg_pool2d", "g"),
            L("dense", "d", units=3, activation="softmax")])
print("done")
