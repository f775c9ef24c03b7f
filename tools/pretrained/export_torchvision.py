#!/usr/bin/env python3
"""Serve torchvision's pretrained AlexNet or VGG-16: export to ONNX, import into a convserve repository, and give
the model its 1,000 ImageNet labels and torchvision's preprocessing.

    python3 tools/pretrained/export_torchvision.py --arch alexnet --weights alexnet-owt-7be5be79.pth \
        --repository /srv/models

The weights are torchvision's published state dicts (download them first; that is the only step that needs the
internet, see docs/pretrained.md). `--random-weights SEED` builds the same network with seeded He-normal weights
instead, which is how the test suite runs this script.

The networks are defined here exactly as torchvision defines them (same module names, so torchvision's state dict
loads), so torchvision itself need not be installed. Only torch (and numpy, pillow, onnxruntime for --reference)
are needed. The model gets a final softmax: the served output is probabilities, as /predictions reports them.
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS_URLS = {
    "alexnet": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    "vgg16": "https://download.pytorch.org/models/vgg16-397923af.pth",
}
TOP1 = {"alexnet": 56.522, "vgg16": 71.592}  # torchvision's published ImageNet-1k validation accuracy
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
# torchvision's ImageNet evaluation transform: Resize(256), CenterCrop(224), ToTensor(), Normalize(MEAN, STD)
PREPROCESSING = {"color": "rgb", "resize": 256, "center_crop": 224, "scale": 1 / 255, "mean": MEAN, "std": STD}


class AlexNet(nn.Module):
    """torchvision.models.AlexNet."""

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class VGG(nn.Module):
    """torchvision.models.VGG with configuration "D" (VGG-16, no batch norm)."""

    CONFIG_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        layers, channels = [], 3
        for v in self.CONFIG_D:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class WithSoftmax(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def build(arch, weights, seed):
    net = {"alexnet": AlexNet, "vgg16": VGG}[arch]()
    if weights:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net.load_state_dict(state)  # strict: a file for another network fails here, naming the keys
    else:
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for module in net.modules():
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    fan_in = module.weight[0].numel()
                    module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * (2 / fan_in) ** 0.5)
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.01)
    return net.eval()


def convserve_command(given):
    if given:
        return shlex.split(given)
    jars = sorted(glob.glob(os.path.join(HERE, "..", "..", "target", "convserve-*.jar")))
    jars = [j for j in jars if not j.endswith(("-sources.jar", "-javadoc.jar", ".original"))]
    if not jars:
        sys.exit("no target/convserve-*.jar: run ./mvnw package -DskipTests first, or pass --convserve '<command>'")
    return ["java", "-jar", jars[-1]]


def pil_input(image_path):
    """The photo as torchvision's evaluation transform makes it, on PIL (what the served model's /predictions does)."""
    from PIL import Image
    image = Image.open(image_path).convert("RGB")
    w, h = image.size
    short, long_ = (w, h) if w <= h else (h, w)
    size = (256, int(256 * long_ / short)) if w <= h else (int(256 * long_ / short), 256)
    image = image.resize(size, Image.BILINEAR)
    left, top = int(round((image.width - 224) / 2.0)), int(round((image.height - 224) / 2.0))
    image = image.crop((left, top, left + 224, top + 224))
    x = np.asarray(image, dtype=np.float32) / 255.0
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(WEIGHTS_URLS), required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--weights", help="torchvision's state dict, e.g. " + WEIGHTS_URLS["alexnet"])
    source.add_argument("--random-weights", type=int, metavar="SEED",
                        help="seeded He-normal weights instead (a test of the recipe; predictions are meaningless)")
    parser.add_argument("--repository", required=True, help="the convserve model repository to write into")
    parser.add_argument("--name", help="model name (default: the architecture's)")
    parser.add_argument("--version", default="1")
    parser.add_argument("--convserve", help="command that runs convserve (default: java -jar target/convserve-*.jar)")
    parser.add_argument("--reference", nargs=2, metavar=("IMAGE", "NPZ"),
                        help="also write NPZ: IMAGE preprocessed as torchvision does on PIL (input), and ONNX "
                             "Runtime's probabilities and torch's logits for it")
    args = parser.parse_args()
    name = args.name or args.arch
    net = build(args.arch, args.weights, args.random_weights)
    os.makedirs(args.repository, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="convserve-export-") as tmp:
        onnx_path = os.path.join(tmp, "model.onnx")
        # the legacy exporter: its graphs are what most ONNX files in circulation look like
        torch.onnx.export(WithSoftmax(net).eval(), (torch.zeros(1, 3, 224, 224),), onnx_path, dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["probabilities"],
                          dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}})
        command = convserve_command(args.convserve) + ["import", onnx_path, "--name", name, "--version",
                                                       args.version, "--repository", args.repository, "--replace"]
        print("$ " + " ".join(shlex.quote(c) for c in command), flush=True)
        subprocess.run(command, check=True)

        model_dir = os.path.join(args.repository, name)
        definition_path = os.path.join(model_dir, "model.json")
        with open(definition_path) as f:
            definition = json.load(f)
        weights = "torchvision's ImageNet weights (%s)" % os.path.basename(args.weights) if args.weights \
            else "random weights (seed %d; predictions are meaningless)" % args.random_weights
        definition["description"] = "torchvision %s, %s; top-1 %.1f %% on ImageNet-1k validation as published" % (
            args.arch, weights, TOP1[args.arch])
        definition["preprocessing"] = PREPROCESSING
        with open(definition_path, "w") as f:
            json.dump(definition, f, indent=2)
        with open(os.path.join(HERE, "imagenet_labels.txt")) as src, \
                open(os.path.join(model_dir, "labels.txt"), "w") as dst:
            dst.write(src.read())

        if args.reference:
            import onnxruntime
            image, out = args.reference
            x = pil_input(image)
            probabilities = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(
                None, {"input": x})[0]
            with torch.no_grad():
                logits = net(torch.from_numpy(x)).numpy()
            np.savez(out, input=x, probabilities=probabilities, logits=logits)
    print("%s version %s written to %s" % (name, args.version, args.repository))


if __name__ == "__main__":
    main()
