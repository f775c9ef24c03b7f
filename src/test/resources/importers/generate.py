"""Golden files for the Keras and ONNX importers (KerasImporterTest, OnnxImporterTest).

Run from this folder:  python3 generate.py [case ...]   (no case names: every case; else only those named)
Each case folder holds the framework's own file (model.keras / model.h5 / model.onnx), io.npz with `input`
[N,C,H,W] (or [N,F]) and the framework's `output` (NHWC outputs transposed to NCHW), summary.json with the
framework's per-layer output shapes (batch 1, channel-first) and parameter counts (Keras' count_params(), or a
torchinfo-like table computed with forward hooks), and source.txt. ONNX cases are also run with onnxruntime and
must agree with PyTorch. Everything is seeded. The Maven build never runs Python; it only reads these files.
"""
import json
import os
import shutil
import sys
import warnings
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
warnings.filterwarnings("ignore")

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from onnx import helper, TensorProto, numpy_helper

torch.manual_seed(0)
torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))
ONLY = set(sys.argv[1:])


def wanted(name):
    return not ONLY or name in ONLY


def case_dir(name):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write_io(d, x, y, summary, source):
    np.savez(os.path.join(d, "io.npz"), input=np.ascontiguousarray(x, dtype=np.float32),
             output=np.ascontiguousarray(y, dtype=np.float32))
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(d, "source.txt"), "w") as f:
        f.write(source + "\n")
    print(f"{os.path.basename(d):28s} in={list(x.shape)} out={list(y.shape)} params={summary['total_params']}")


# ---------------------------------------------------------------- Keras (channels_last)
import h5py  # noqa: E402
import keras  # noqa: E402
from keras import layers as kl  # noqa: E402

keras.utils.set_random_seed(1)


def chw(shape):
    """A Keras output shape without the batch, channel-first."""
    s = [int(v) for v in shape[1:]]
    return [s[2], s[0], s[1]] if len(s) == 3 else s


def keras_case(name, model, formats=("keras",), inputs=None):
    if not wanted(name):
        return
    d = case_dir(name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for layer in model.layers:
        if isinstance(layer, kl.BatchNormalization):  # trained-looking statistics, not the identity
            ws = layer.get_weights()
            c = ws[0].shape
            new = []
            if layer.scale:
                new.append(rng.random(c) + 0.5)
            if layer.center:
                new.append(rng.standard_normal(c) * 0.2)
            new += [rng.standard_normal(c) * 0.3, rng.random(c) + 0.5]
            layer.set_weights(new)
    h, w, c = [int(v) for v in model.inputs[0].shape[1:]]
    x = (inputs or (lambda r, s: r.standard_normal(s).astype(np.float32)))(rng, (2, c, h, w))
    y = model(np.transpose(x, (0, 2, 3, 1)), training=False).numpy()
    if y.ndim == 4:
        y = np.transpose(y, (0, 3, 1, 2))
    for fmt in formats:
        model.save(os.path.join(d, "model." + fmt))
    summary = {"framework": "keras " + keras.__version__, "total_params": int(model.count_params()),
               "layers": [{"name": l.name, "class": type(l).__name__, "output_shape": chw(l.output.shape),
                           "params": int(l.count_params())} for l in model.layers]}
    write_io(d, x, y, summary, "keras " + keras.__version__ + " (tensorflow backend) " + type(model).__name__
             + ", saved as " + ", ".join(formats) + "; output NHWC->NCHW where 4-D")


def keras_lenet():
    """LeNet-5 as a Keras user writes it ('same' first convolution, HWC flatten before the dense layers)."""
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        kl.Conv2D(6, 5, padding="same", activation="relu", name="conv1"),
        kl.MaxPooling2D(2, name="pool1"),
        kl.Conv2D(16, 5, activation="relu", name="conv2"),
        kl.MaxPooling2D(2, name="pool2"),
        kl.Flatten(name="flatten"),
        kl.Dense(120, activation="relu", name="fc1"),
        kl.Dropout(0.5, name="drop"),
        kl.Dense(84, activation="relu", name="fc2"),
        kl.Dense(10, activation="softmax", name="fc3"),
    ], name="lenet")


keras_case("keras_lenet", keras_lenet(), formats=("keras", "h5"))

inp = keras.Input((15, 13, 3), name="image")
t = kl.Conv2D(8, 3, use_bias=False, name="conv1")(inp)
t = kl.BatchNormalization(name="bn1")(t)
t = kl.Activation("relu", name="relu1")(t)
t = kl.Conv2D(12, 3, strides=2, padding="same", name="conv2")(t)
t = kl.BatchNormalization(epsilon=0.01, center=False, name="bn2")(t)
t = kl.ReLU(name="relu2")(t)
t = kl.GlobalAveragePooling2D(name="gap")(t)
t = kl.Dense(5, name="fc")(t)
out = kl.Softmax(name="softmax")(t)
keras_case("keras_bn_gap", keras.Model(inp, out, name="bn_gap"), formats=("keras", "h5"))

keras_case("keras_separable", keras.Sequential([
    keras.Input((12, 10, 4)),
    kl.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same", name="dw"),
    kl.BatchNormalization(name="bn"),
    kl.ReLU(name="relu"),
    kl.SeparableConv2D(6, 3, padding="same", activation="relu", name="sep"),
    kl.Conv2D(4, 1, name="pw"),
    kl.Flatten(name="flatten"),
    kl.Dense(3, name="fc"),
], name="separable"))



def without_var_names(src, dst):
    """A copy of a .keras file whose weight groups lack the `name` attribute (as some Keras 3 versions write them):
    the importer must then find each layer's group by Keras' snake_case class name (conv2d, re_lu, _1, ...)."""
    import tempfile
    import zipfile
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    tmp = tempfile.mktemp(suffix=".h5")
    with open(tmp, "wb") as f:
        f.write(entries["model.weights.h5"])
    with h5py.File(tmp, "r+") as f:
        f.visititems(lambda name, obj: obj.attrs.__delitem__("name")
                     if isinstance(obj, h5py.Group) and "name" in obj.attrs else None)
    with open(tmp, "rb") as f:
        entries["model.weights.h5"] = f.read()
    os.remove(tmp)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
        for n, b in entries.items():
            z.writestr(n, b)


if wanted("keras_separable"):
    without_var_names(os.path.join(HERE, "keras_separable", "model.keras"),
                      os.path.join(HERE, "keras_separable", "model_unnamed_vars.keras"))

keras_case("keras_odd_same", keras.Sequential([
    keras.Input((13, 11, 3)),
    kl.ZeroPadding2D(((1, 2), (0, 1)), name="pad"),
    kl.Conv2D(6, (4, 3), strides=2, padding="same", activation="tanh", name="conv_s2"),
    kl.Conv2D(4, 3, dilation_rate=2, padding="same", groups=2, activation="sigmoid", name="conv_dil_groups"),
    kl.AveragePooling2D(3, strides=2, padding="same", name="avg"),
    kl.MaxPooling2D(2, strides=1, padding="same", name="max"),
    kl.LeakyReLU(0.2, name="leaky"),
    kl.Flatten(name="flatten"),
    kl.Dense(7, name="fc"),
    kl.Activation("softmax", name="probs"),
], name="odd_same"))

keras_case("keras_rescaling", keras.Sequential([
    keras.Input((9, 8, 3)),
    kl.Rescaling(1 / 255.0, offset=-0.5, name="rescale"),
    kl.Conv2D(4, 3, activation="relu", name="conv"),
    kl.GlobalMaxPooling2D(name="gmp"),
    kl.Dense(3, name="fc"),
], name="rescaling"), inputs=lambda rng, shape: rng.integers(0, 256, shape).astype(np.float32))


# Keras 2 (tf-keras 2.x) legacy .h5 files. tf-keras is not in this machine's wheelhouse, so the file is written here
# with h5py in the layout tf-keras' legacy_h5_format writes (root attributes keras_version "2.15.0", backend and
# model_config; model_weights/<layer>/<layer>/<var>:0 listed by each group's weight_names), from a Keras 3 model's
# config turned into Keras 2's (batch_input_shape, BatchNormalization axis [3], initializers as {class_name, config},
# dtype "float32", list-style inbound_nodes, class "Model" for a functional model). Keras 3's own legacy .h5 loader
# must read the file back and reproduce the model's output, which checks the layout.


def keras2_config(model, functional_class="Model", input_layer=True):
    def plain(v):
        if isinstance(v, dict) and "class_name" in v and "config" in v:  # a serialised object
            if v["class_name"] == "DTypePolicy":
                return v["config"]["name"]
            return {"class_name": v["class_name"], "config": {k: plain(x) for k, x in v["config"].items()}}
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    layers = []
    prev = None
    for layer in ([model.layers[0]._inbound_nodes[0].input_tensors[0]._keras_history[0]] + model.layers
                  if isinstance(model, keras.Sequential) else model.layers):
        c = plain(layer.get_config())
        c["dtype"] = "float32"
        if isinstance(layer, kl.InputLayer):
            c = {"batch_input_shape": c["batch_shape"], "dtype": "float32", "sparse": False, "ragged": False,
                 "name": c["name"]}
        if isinstance(layer, kl.BatchNormalization):
            c["axis"] = [3]
        entry = {"class_name": type(layer).__name__, "config": c}
        if not isinstance(model, keras.Sequential):
            entry["name"] = layer.name
            entry["inbound_nodes"] = [] if isinstance(layer, kl.InputLayer) else [[[prev, 0, 0, {}]]]
        prev = layer.name
        layers.append(entry)
    if isinstance(model, keras.Sequential):
        if not input_layer:  # Keras 2.2-2.3 style: no InputLayer, the first layer carries batch_input_shape
            first = layers.pop(0)
            layers[0]["config"]["batch_input_shape"] = first["config"]["batch_input_shape"]
        return {"class_name": "Sequential", "config": {"name": model.name, "layers": layers}}
    return {"class_name": functional_class, "config": {"name": model.name, "layers": layers,
                                                       "input_layers": [[layers[0]["name"], 0, 0]],
                                                       "output_layers": [[layers[-1]["name"], 0, 0]]}}


def keras2_case(name, model, **kwargs):
    if not wanted(name):
        return
    d = case_dir(name)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for layer in model.layers:
        if isinstance(layer, kl.BatchNormalization):
            c = layer.get_weights()[0].shape
            layer.set_weights([rng.random(c) + 0.5, rng.standard_normal(c) * 0.2, rng.standard_normal(c) * 0.3,
                               rng.random(c) + 0.5])
    h, w, c = [int(v) for v in model.inputs[0].shape[1:]]
    x = rng.standard_normal((2, c, h, w)).astype(np.float32)
    y = model(np.transpose(x, (0, 2, 3, 1)), training=False).numpy()
    path = os.path.join(d, "model.h5")
    config = keras2_config(model, **kwargs)
    write_keras2_h5(path, model, config)
    # Keras 3's legacy .h5 reader checks the layout; it cannot read a Sequential whose first layer carries
    # batch_input_shape (it keeps the None as a dimension), so that variant is checked with an InputLayer instead
    check = path if kwargs.get("input_layer", True) else os.path.join(d, "check.h5")
    if check != path:
        write_keras2_h5(check, model, keras2_config(model))
    back = keras.models.load_model(check, compile=False)
    err = float(np.abs(back(np.transpose(x, (0, 2, 3, 1)), training=False).numpy() - y).max())
    if check != path:
        os.remove(check)
    assert err < 1e-6, f"{path}: Keras 3 reads the Keras 2 layout back with error {err}"
    if y.ndim == 4:
        y = np.transpose(y, (0, 3, 1, 2))
    summary = {"framework": "keras " + keras.__version__ + " (Keras 2 layout)", "total_params": int(model.count_params()),
               "layers": [{"name": l.name, "class": type(l).__name__, "output_shape": chw(l.output.shape),
                           "params": int(l.count_params())} for l in model.layers]}
    write_io(d, x, y, summary, f"keras {keras.__version__} model written by generate.py in the tf-keras 2.x legacy .h5 "
             f"layout (class {config['class_name']}); Keras 3's load_model reads it back within {err:.1e}")


def write_keras2_h5(path, model, config):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        g = f.create_group("model_weights")
        names = [l.name for l in model.layers]
        g.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.15.0"
        for layer in model.layers:
            lg = g.create_group(layer.name)
            wnames = [f"{layer.name}/{v.name}:0" for v in layer.weights]
            lg.attrs["weight_names"] = np.array([n.encode("utf8") for n in wnames], dtype="S")
            for n, v in zip(wnames, layer.get_weights()):
                lg.create_dataset(n, data=v.astype(np.float32))


keras2_case("keras2_lenet", keras_lenet(), input_layer=False)

inp = keras.Input((15, 13, 3), name="image")
t = kl.Conv2D(8, 3, use_bias=False, name="conv1")(inp)
t = kl.BatchNormalization(name="bn1")(t)
t = kl.Activation("relu", name="relu1")(t)
t = kl.Conv2D(12, 3, strides=2, padding="same", name="conv2")(t)
t = kl.BatchNormalization(epsilon=0.01, name="bn2")(t)
t = kl.ReLU(name="relu2")(t)
t = kl.GlobalAveragePooling2D(name="gap")(t)
t = kl.Dense(5, name="fc")(t)
out = kl.Softmax(name="softmax")(t)
keras2_case("keras2_bn_gap", keras.Model(inp, out, name="bn_gap"))

# Negative cases: a recurrent layer, and a graph with a branch.
neg = os.path.join(HERE, "unsupported")
if wanted("unsupported"):
    shutil.rmtree(neg, ignore_errors=True)
    os.makedirs(neg)
    keras.Sequential([keras.Input((5, 4)), kl.LSTM(3, name="lstm")], name="recurrent").save(
        os.path.join(neg, "lstm.keras"))
    inp = keras.Input((6, 6, 2))
    a = kl.Conv2D(2, 3, padding="same", name="left")(inp)
    keras.Model(inp, kl.Add(name="residual")([inp, a]), name="branching").save(
        os.path.join(neg, "branching.keras"))
    # rejected settings: channels_first, activations we lack, a capped ReLU, a model nested as a layer
    keras.Sequential([keras.Input((3, 8, 8)), kl.Conv2D(2, 3, data_format="channels_first", name="conv_cf")],
                     name="channels_first").save(os.path.join(neg, "channels_first.keras"))
    for act in ("relu6", "swish", "elu"):
        keras.Sequential([keras.Input((8, 8, 3)), kl.Conv2D(2, 3, activation=act, name="conv_" + act)],
                         name=act).save(os.path.join(neg, "activation_" + act + ".keras"))
    keras.Sequential([keras.Input((8, 8, 3)), kl.Conv2D(2, 3, name="conv"), kl.ReLU(max_value=6.0, name="capped")],
                     name="capped_relu").save(os.path.join(neg, "relu_max_value.keras"))
    block = keras.Sequential([kl.Conv2D(2, 3, name="inner_conv")], name="block")
    keras.Sequential([keras.Input((8, 8, 3)), block, kl.Flatten(name="flatten")], name="nested").save(
        os.path.join(neg, "nested.keras"))


# ---------------------------------------------------------------- PyTorch -> ONNX (legacy TorchScript exporter)

def torch_summary(model, x):
    """torchinfo-like rows: every leaf module, its output shape for batch 1 and its parameter count."""
    rows = []
    hooks = []
    for name, m in model.named_modules():
        if len(list(m.children())) == 0:
            def hook(mod, i, o, name=name):
                rows.append({"name": name, "class": type(mod).__name__, "output_shape": list(o.shape[1:]),
                             "params": sum(p.numel() for p in mod.parameters())})
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x[:1])
    for h in hooks:
        h.remove()
    # like torchinfo: parameters only; BatchNorm's running statistics are buffers (our non-trainable parameters)
    return {"framework": "torch " + torch.__version__, "params_counted": "trainable",
            "total_params": sum(p.numel() for p in model.parameters()), "layers": rows}


def randomize_bn(m, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                c = mod.num_features
                mod.weight.copy_(torch.rand(c, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(c, generator=g) * 0.2)
                mod.running_mean.copy_(torch.randn(c, generator=g) * 0.3)
                mod.running_var.copy_(torch.rand(c, generator=g) + 0.5)


def check_ort(path, x, y):
    # graph optimisations off: onnxruntime 1.30's Pad fusion folds a ZeroPad2d into the AveragePool after it and then
    # refuses its own result (pads larger than the kernel); the unoptimised graph is the plainer reference anyway
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    err = float(np.abs(got - y).max())
    assert err < 1e-5, f"{path}: onnxruntime differs from the reference by {err}"
    return err


def onnx_case(name, model, input_shape, opset=13, fold=True, dynamo=False, dynamic=True):
    """PyTorch to ONNX. dynamo=False: the legacy TorchScript exporter (opset, do_constant_folding=fold);
    dynamo=True: torch.onnx.export's default exporter (torch.export; opset None = its default). dynamic: the batch
    dimension symbolic (dynamic_axes / dynamic_shapes), else fixed at the export batch of 2."""
    if not wanted(name):
        return
    d = case_dir(name)
    model.eval()
    randomize_bn(model, zlib.crc32(name.encode()))
    x = torch.randn(2, *input_shape, generator=torch.Generator().manual_seed(zlib.crc32(name.encode())))
    with torch.no_grad():
        y = model(x).numpy()
    path = os.path.join(d, "model.onnx")
    if dynamo:
        kwargs = {"dynamic_shapes": ({0: torch.export.Dim("batch")},)} if dynamic else {}
        if opset is not None:
            kwargs["opset_version"] = opset
        torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"], **kwargs)
        how = (f"torch.onnx.export(default dynamo=True, opset {onnx.load(path).opset_import[0].version}, "
               f"{'dynamic_shapes batch' if dynamic else 'static batch 2'})")
    else:
        # fold=False keeps BatchNormalization nodes (constant folding would fuse them into the convolutions)
        torch.onnx.export(model, x, path, dynamo=False, opset_version=opset, do_constant_folding=fold,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None)
        how = (f"torch.onnx.export(dynamo=False, opset {opset}, do_constant_folding={fold}, "
               f"{'dynamic_axes batch' if dynamic else 'static batch 2'})")
    err = check_ort(path, x.numpy(), y)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    write_io(d, x.numpy(), y, torch_summary(model, x),
             f"torch {torch.__version__} -> {how}; ops {ops}; onnxruntime {ort.__version__} agrees within {err:.1e}")


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = x.view(x.size(0), -1)  # exported as Shape/Gather/Unsqueeze/Concat/Reshape
        return self.softmax(self.fc3(self.relu4(self.fc2(self.relu3(self.fc1(x))))))


onnx_case("onnx_lenet", LeNet(), (1, 28, 28))


class _Lrn(torch.autograd.Function):
    """nn.LocalResponseNorm's arithmetic, exported as ONNX's LRN op (the exporter would otherwise trace its
    decomposition into Pad/AveragePool/Pow/Div)."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class LRN(nn.LocalResponseNorm):
    def forward(self, x):
        return _Lrn.apply(x, self.size, self.alpha, self.beta, self.k)


class MiniAlexNet(nn.Module):
    def __init__(self, lrn=LRN):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.ReLU(), lrn(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(8, 12, 3, padding=1, groups=2), nn.ReLU(), lrn(3, alpha=0.01, beta=0.6, k=1.0),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(12, 12, 3, padding=1, groups=3), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(12 * 2 * 2, 16), nn.ReLU(), nn.Dropout(0.5),
                                        nn.Linear(16, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


onnx_case("onnx_mini_alexnet", MiniAlexNet(), (3, 35, 35))


class BnGap(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(16, eps=1e-3)
        self.act2 = nn.Sigmoid()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 4)
        self.tanh = nn.Tanh()

    def forward(self, x):
        x = self.act2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))
        return self.tanh(self.fc(self.flatten(self.gap(x))))


onnx_case("onnx_bn_gap", BnGap(), (3, 17, 15), fold=False)


class Separable(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=4)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pw = nn.Conv2d(8, 6, 1)
        self.relu2 = nn.ReLU()
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.fc = nn.Linear(6 * 4 * 4, 5)

    def forward(self, x):
        x = self.pool(self.relu2(self.pw(self.relu(self.bn(self.dw(x))))))
        return self.fc(torch.flatten(x, 1))


onnx_case("onnx_separable", Separable(), (4, 13, 11), fold=False)


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, dilation=2, padding=(1, 2))
        self.avg_incl = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
        self.avg_ceil = nn.AvgPool2d(2, stride=2, ceil_mode=True)
        self.max_ceil = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.fc = nn.Linear(3 * 3 * 3, 4)

    def forward(self, x):
        x = self.max_ceil(self.avg_ceil(self.avg_incl(self.conv(x))))
        return self.fc(x.reshape(-1, 27))


onnx_case("onnx_pools", Pools(), (2, 19, 17))


def graph_case(name, nodes, inits, in_shape, out_shape, opset, x):
    """An ONNX graph written with onnx.helper (what no PyTorch export makes); onnxruntime is the reference."""
    if not wanted(name):
        return
    d = case_dir(name)
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N"] + in_shape)],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N"] + out_shape)],
                          [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="generate.py")
    m.ir_version = 7 if opset < 15 else 8
    onnx.checker.check_model(m)
    path = os.path.join(d, "model.onnx")
    onnx.save(m, path)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    params = sum(v.size for k, v in inits.items() if v.dtype == np.float32)
    write_io(d, x, y, {"framework": "onnxruntime " + ort.__version__, "total_params": int(params), "layers": []},
             f"onnx {onnx.__version__} graph (opset {opset}) written by generate.py; output by onnxruntime "
             f"{ort.__version__}")


rng = np.random.default_rng(7)
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
graph_case("onnx_gemm_matmul", [
    helper.make_node("Gemm", ["input", "g.weight", "g.bias"], ["g"], name="gemm_transb", transB=1, alpha=0.5,
                     beta=2.0),
    helper.make_node("Relu", ["g"], ["r"], name="relu"),
    helper.make_node("Dropout", ["r"], ["dr"], name="dropout", ratio=0.3),
    helper.make_node("Gemm", ["dr", "h.weight"], ["h"], name="gemm_plain"),
    helper.make_node("Identity", ["h"], ["hi"], name="identity"),
    helper.make_node("MatMul", ["hi", "m.weight"], ["mm"], name="fc_matmul"),
    helper.make_node("Add", ["mm", "m.bias"], ["ma"], name="fc_add"),
    helper.make_node("Softmax", ["ma"], ["output"], name="softmax"),
], {"g.weight": f32(8, 6), "g.bias": f32(8), "h.weight": f32(8, 7), "m.weight": f32(7, 4), "m.bias": f32(4)},
    [6], [4], 11, f32(3, 6))

graph_case("onnx_flatten_reshape", [
    helper.make_node("Conv", ["input", "c.weight", "c.bias"], ["c"], name="conv_same_upper", kernel_shape=[3, 3],
                     strides=[2, 2], auto_pad="SAME_UPPER"),
    helper.make_node("Sigmoid", ["c"], ["s"], name="sigmoid"),
    helper.make_node("Reshape", ["s", "shape"], ["rs"], name="reshape"),
    helper.make_node("Flatten", ["rs"], ["f"], name="flatten", axis=1),
    helper.make_node("Gemm", ["f", "d.weight", "d.bias"], ["output"], name="dense", transB=1),
], {"c.weight": f32(3, 2, 3, 3), "c.bias": f32(3), "shape": np.array([0, 3, 3, 3], dtype=np.int64),
    "d.weight": f32(5, 27), "d.bias": f32(5)}, [2, 5, 6], [5], 13, f32(2, 2, 5, 6))

# Forms newer exporters and tools emit (opset 18): Cast to float, Pad with an axes input, BatchNormalization with
# training_mode=0 written out, ReduceMean / ReduceMax with an axes input as global pooling, Flatten axis -3,
# Squeeze with an axes input, MatMul then Add with the bias first.
graph_case("onnx_opset18_forms", [
    helper.make_node("Cast", ["input"], ["x"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Pad", ["x", "pads", "", "pad_axes"], ["p"], name="pad", mode="constant"),
    helper.make_node("Conv", ["p", "conv.weight", "conv.bias"], ["c"], name="conv", kernel_shape=[3, 3],
                     auto_pad="NOTSET"),
    helper.make_node("BatchNormalization", ["c", "bn.gamma", "bn.beta", "bn.mean", "bn.var"], ["bn"], name="bn",
                     epsilon=1e-3, training_mode=0),
    helper.make_node("Relu", ["bn"], ["r"], name="relu"),
    helper.make_node("ReduceMean", ["r", "hw"], ["gap"], name="gap", keepdims=1),
    helper.make_node("Flatten", ["gap"], ["f"], name="flatten", axis=-3),
    helper.make_node("MatMul", ["f", "fc.weight"], ["mm"], name="fc"),
    helper.make_node("Add", ["fc.bias", "mm"], ["a"], name="fc_bias_first"),
    helper.make_node("Softmax", ["a"], ["output"], name="softmax", axis=-1),
], {"pads": np.array([1, 0, 0, 2], dtype=np.int64), "pad_axes": np.array([2, 3], dtype=np.int64),
    "conv.weight": f32(3, 2, 3, 3), "conv.bias": f32(3), "bn.gamma": rng.random(3).astype(np.float32) + 0.5,
    "bn.beta": f32(3), "bn.mean": f32(3), "bn.var": rng.random(3).astype(np.float32) + 0.5,
    "hw": np.array([-1, -2], dtype=np.int64), "fc.weight": f32(3, 4), "fc.bias": f32(4)}, [2, 5, 6], [4], 18,
    f32(2, 2, 5, 6))

graph_case("onnx_opset18_max_squeeze", [
    helper.make_node("Conv", ["input", "conv.weight"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("ReduceMax", ["c", "hw"], ["gmp"], name="gmp", keepdims=1),
    helper.make_node("Squeeze", ["gmp", "hw"], ["s"], name="squeeze"),
    helper.make_node("Gemm", ["s", "fc.weight", "fc.bias"], ["output"], name="fc", transB=1),
], {"conv.weight": f32(4, 2, 3, 3), "hw": np.array([2, 3], dtype=np.int64), "fc.weight": f32(3, 4),
    "fc.bias": f32(3)}, [2, 7, 5], [3], 18, f32(2, 2, 7, 5))

# torch.onnx.export's default exporter (dynamo=True, torch.export; opset 20 with torch 2.13), with a symbolic and
# with a fixed batch, and the legacy exporter at opset 17 with and without constant folding. The AlexNet here uses
# PyTorch's own nn.LocalResponseNorm, which both exporters decompose (Mul, Reshape, Pad, AveragePool 3-D, Squeeze,
# Mul, Add, Pow, Div).
onnx_case("onnx_dynamo_lenet", LeNet(), (1, 28, 28), opset=None, dynamo=True)
onnx_case("onnx_dynamo_lenet_static", LeNet(), (1, 28, 28), opset=None, dynamo=True, dynamic=False)
onnx_case("onnx_dynamo_bn_gap", BnGap(), (3, 17, 15), opset=None, dynamo=True)
onnx_case("onnx_dynamo_bn_gap_static", BnGap(), (3, 17, 15), opset=None, dynamo=True, dynamic=False)
onnx_case("onnx_dynamo_alexnet", MiniAlexNet(nn.LocalResponseNorm), (3, 35, 35), opset=None, dynamo=True)
onnx_case("onnx_dynamo_alexnet_static", MiniAlexNet(nn.LocalResponseNorm), (3, 35, 35), opset=None, dynamo=True,
          dynamic=False)


# nn.LocalResponseNorm through the legacy exporter: it computes the pads with Slice/Transpose on constants and
# squeezes through an If on the shape, both folded on import; with a symbolic and with a fixed batch
onnx_case("onnx_legacy_alexnet", MiniAlexNet(nn.LocalResponseNorm), (3, 35, 35), opset=17)
onnx_case("onnx_legacy_alexnet_static", MiniAlexNet(nn.LocalResponseNorm), (3, 35, 35), opset=13, dynamic=False)


def zoo_case(name):
    """A graph as the ONNX model zoo's classic CNNs are written (converted from Caffe, IR version 3, opset 8): batch
    fixed at 1, every initializer also listed as a graph input, the convolution bias as a separate Add of a [C, 1, 1]
    constant, auto_pad VALID / SAME_UPPER, LRN, weights reshaped, transposed and scaled by nodes at run time,
    Reshape to [1, -1], Gemm transB, Dropout with opset 7's attributes, and a bias made of a Sum of two constants."""
    if not wanted(name):
        return
    d = case_dir(name)
    w = {"conv1_w_0": f32(4, 1, 3, 3), "conv1_b_0": f32(4, 1, 1), "conv2_w_flat": f32(6 * 4 * 3 * 3),
         "conv2_w_shape": np.array([6, 4, 3, 3], dtype=np.int64), "conv2_b_0": f32(6),
         "flatten_shape": np.array([1, -1], dtype=np.int64), "fc1_w_t": f32(150, 20) * 0.2, "fc1_b_0": f32(20),
         "fc2_w_raw": f32(20, 10), "fc2_scale": np.array([0.5], dtype=np.float32), "fc2_b_a": f32(10),
         "fc2_b_b": f32(10)}
    nodes = [
        helper.make_node("Conv", ["data_0", "conv1_w_0"], ["conv1"], name="conv1", kernel_shape=[3, 3],
                         auto_pad="VALID"),
        helper.make_node("Add", ["conv1", "conv1_b_0"], ["conv1_b"], name="conv1_bias"),
        helper.make_node("Relu", ["conv1_b"], ["relu1"], name="relu1"),
        helper.make_node("LRN", ["relu1"], ["norm1"], name="norm1", size=5, alpha=1e-4, beta=0.75, bias=1.0),
        helper.make_node("MaxPool", ["norm1"], ["pool1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["conv2_w_flat", "conv2_w_shape"], ["conv2_w_0"], name="conv2_w"),
        helper.make_node("Conv", ["pool1", "conv2_w_0", "conv2_b_0"], ["conv2"], name="conv2", kernel_shape=[3, 3],
                         auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("Reshape", ["relu2", "flatten_shape"], ["flat"], name="flatten"),
        helper.make_node("Transpose", ["fc1_w_t"], ["fc1_w_0"], name="fc1_w", perm=[1, 0]),
        helper.make_node("Gemm", ["flat", "fc1_w_0", "fc1_b_0"], ["fc1"], name="fc1", transB=1),
        helper.make_node("Dropout", ["fc1"], ["drop1"], name="drop1", ratio=0.5),
        helper.make_node("Mul", ["fc2_w_raw", "fc2_scale"], ["fc2_w_0"], name="fc2_w"),
        helper.make_node("MatMul", ["drop1", "fc2_w_0"], ["fc2"], name="fc2"),
        helper.make_node("Add", ["fc2_b_a", "fc2_b_b"], ["fc2_b_0"], name="fc2_b"),
        helper.make_node("Sum", ["fc2", "fc2_b_0"], ["fc2_out"], name="fc2_bias"),
        helper.make_node("Softmax", ["fc2_out"], ["prob_1"], name="prob"),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()]
    inputs = [helper.make_tensor_value_info("data_0", TensorProto.FLOAT, [1, 1, 12, 12])] + [
        helper.make_tensor_value_info(k, TensorProto.INT64 if v.dtype == np.int64 else TensorProto.FLOAT, list(v.shape))
        for k, v in w.items()]
    g = helper.make_graph(nodes, name, inputs, [helper.make_tensor_value_info("prob_1", TensorProto.FLOAT, [1, 10])],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 8)], producer_name="generate.py")
    m.ir_version = 3
    onnx.checker.check_model(m)
    path = os.path.join(d, "model.onnx")
    onnx.save(m, path)
    x = f32(1, 1, 12, 12)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"data_0": x})[0]
    # the network's parameters: the scale and the two bias halves are folded into fc2's weight and bias
    params = 4 * 1 * 9 + 4 + 6 * 4 * 9 + 6 + 150 * 20 + 20 + 20 * 10 + 10
    write_io(d, x, y, {"framework": "onnxruntime " + ort.__version__, "total_params": int(params), "layers": []},
             f"onnx {onnx.__version__} graph (IR version 3, opset 8, model-zoo style) written by generate.py; output "
             f"by onnxruntime {ort.__version__}")


zoo_case("onnx_zoo_style")


class Misc(nn.Module):
    """More of what PyTorch CNNs use, for the dynamo exporter: in-place ReLU, ZeroPad2d, AvgPool2d counting its
    padding, LeakyReLU, ceil-mode MaxPool, AdaptiveAvgPool2d to 2x2 (from 4x4), nn.Flatten, Dropout, Softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=1, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.relu = nn.ReLU(inplace=True)
        self.pad = nn.ZeroPad2d((1, 0, 2, 1))
        self.avg = nn.AvgPool2d(3, stride=2, padding=1)
        self.leaky = nn.LeakyReLU(0.1)
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.adapt = nn.AdaptiveAvgPool2d((2, 2))
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(24, 10)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(10, 5)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        x = self.pool(self.leaky(self.avg(self.pad(self.relu(self.bn(self.conv(x)))))))
        return self.softmax(self.fc2(self.drop(self.fc1(self.flatten(self.adapt(x))))))


onnx_case("onnx_dynamo_misc", Misc(), (3, 13, 12), opset=None, dynamo=True)
# a BatchNorm2d after a ReLU cannot be fused: dynamo writes BatchNormalization (momentum attribute, no training_mode)
onnx_case("onnx_dynamo_bn_unfused", nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.BatchNorm2d(4, eps=1e-3),
                                                  nn.Flatten(), nn.Linear(4 * 5 * 5, 3)), (3, 7, 7), opset=None,
          dynamo=True)
onnx_case("onnx_opset17_lenet", LeNet(), (1, 28, 28), opset=17)
onnx_case("onnx_opset17_lenet_nofold", LeNet(), (1, 28, 28), opset=17, fold=False, dynamic=False)
onnx_case("onnx_opset17_bn_gap", BnGap(), (3, 17, 15), opset=17)
onnx_case("onnx_opset17_bn_gap_nofold", BnGap(), (3, 17, 15), opset=17, fold=False)

if wanted("unsupported"):
    neg_graph = helper.make_graph(
        [helper.make_node("Resize", ["input", "", "scales"], ["output"], name="upsample", mode="nearest")],
        "resize", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")])
    onnx.save(helper.make_model(neg_graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(neg, "resize.onnx"))
print("done")
