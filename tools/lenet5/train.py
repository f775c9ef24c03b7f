#!/usr/bin/env python3
"""Train the bundled LeNet-5 model (docs/model-format.md) on the 8,500 MNIST training digits.

The 1,500 test digits in data/mnist of this repository are held out: they are only used to report
the final accuracy and to export PyTorch's reference probabilities for the Java engine tests.
Schedule selection uses a stratified 90/10 validation split of the training digits; the exported
model is then refit with the same schedule on all 8,500 training digits (--no-refit exports the
best-validation checkpoint of the split run instead).

Usage:
    python3 tools/lenet5/train.py [--out DIR] [--data DIR] [--epochs N] [--test-resources DIR] [--no-refit]
"""
import argparse
import json
import os
import platform
import random
import shutil
import sys
import time
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, "..", ".."))
MEAN, STD = 0.1307, 0.3081


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):  # returns logits; softmax is applied at inference
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def preprocess(u8):
    """(N,28,28) uint8 -> (N,1,28,28) float32, x = (u8/255 - mean) / std."""
    x = torch.from_numpy(u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


def augment(x, gen):
    """Light random affine on a normalized batch: rotation +-10 deg, scale 0.9-1.1,
    shear +-0.1, translation up to 2 px. Background is filled with the normalized black value."""
    n = x.shape[0]
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)
    ang = u(-10.0, 10.0) * (np.pi / 180.0)
    sc = u(0.9, 1.1)
    sh = u(-0.1, 0.1)
    tx = u(-2.0, 2.0) * (2.0 / 28.0)  # pixels -> normalized coords (align_corners=False)
    ty = u(-2.0, 2.0) * (2.0 / 28.0)
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = cos / sc
    theta[:, 0, 1] = (-sin + sh * cos) / sc
    theta[:, 1, 0] = sin / sc
    theta[:, 1, 1] = (cos + sh * sin) / sc
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    bg = -MEAN / STD
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x - bg, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out + bg


@torch.no_grad()
def predict_proba(model, x, bs=500):
    model.eval()
    return torch.cat([F.softmax(model(x[i:i + bs]), dim=1) for i in range(0, len(x), bs)])


def stratified_split(labels, frac, rng):
    val = []
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        val.extend(idx[: int(round(len(idx) * frac))].tolist())
    val = np.array(sorted(val))
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def model_json(test_acc, epochs, export_epoch, refit, n_tr, n_va):
    how = (f"schedule chosen on a {n_tr}/{n_va} validation split, then refit on all 8,500 for {epochs} epochs"
           if refit else f"{n_tr} for training, {n_va} for validation; epoch {export_epoch} of {epochs}")
    return {
        "format_version": 1,
        "name": "lenet5",
        "description": (
            "LeNet-5 (61,706 parameters) trained with PyTorch on 8,500 real MNIST digits "
            "(from the first 10,000 images of the MNIST training set; " + how + "). "
            f"Held-out accuracy on 1,500 other MNIST digits: {100.0 * test_acc:.2f}%. "
            "Input: white digit on black, 28x28 grayscale."
        ),
        "input": {"name": "input", "shape": [1, 28, 28], "datatype": "FP32", "layout": "NCHW"},
        "output": {"name": "probabilities"},
        "preprocessing": {"color": "grayscale", "resize": [28, 28], "scale": 0.00392156862745098,
                          "mean": [MEAN], "std": [STD], "invert": False},
        "layers": [
            {"type": "conv2d", "name": "conv1", "filters": 6, "kernel": 5, "padding": 2, "activation": "relu"},
            {"type": "max_pool2d", "name": "pool1", "pool": 2},
            {"type": "conv2d", "name": "conv2", "filters": 16, "kernel": 5, "activation": "relu"},
            {"type": "max_pool2d", "name": "pool2", "pool": 2},
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "fc1", "units": 120, "activation": "relu"},
            {"type": "dense", "name": "fc2", "units": 84, "activation": "relu"},
            {"type": "dense", "name": "fc3", "units": 10, "activation": "softmax"},
        ],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.normpath(os.path.join(SCRIPT_DIR, "..", "..", "src", "main", "resources", "models")),
                    help="model repository directory (default: ../../src/main/resources/models relative to this script)")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/mnist"), help="directory with the MNIST .npy files")
    ap.add_argument("--test-resources", default=os.path.join(REPO_ROOT, "src", "test", "resources", "mnist"),
                    help="where to copy the test digits and write expected_probabilities.npy")
    ap.add_argument("--results", default=os.path.join(SCRIPT_DIR, "RESULTS.md"))
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-refit", dest="refit", action="store_false",
                    help="export the best-validation checkpoint of the 90%% run instead of refitting on all 8,500 digits")
    args = ap.parse_args()

    # Reproducibility
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    try:
        torch.use_deterministic_algorithms(True)
    except Exception as e:  # pragma: no cover
        print("warning: deterministic algorithms unavailable:", e, file=sys.stderr)
    gen = torch.Generator().manual_seed(args.seed)

    tr_u8 = np.load(os.path.join(args.data, "train_images_u8.npy"))
    tr_y = np.load(os.path.join(args.data, "train_labels.npy"))
    te_u8 = np.load(os.path.join(args.data, "test_images_u8.npy"))
    te_y = np.load(os.path.join(args.data, "test_labels.npy"))
    assert tr_u8.shape == (8500, 28, 28) and te_u8.shape == (1500, 28, 28), (tr_u8.shape, te_u8.shape)

    tr_idx, va_idx = stratified_split(tr_y, args.val_frac, np.random.RandomState(args.seed))
    x_all = preprocess(tr_u8)
    y_all = torch.from_numpy(tr_y.astype(np.int64))
    x_tr, y_tr = x_all[tr_idx], y_all[tr_idx]
    x_va, y_va = x_all[va_idx], y_all[va_idx]
    x_te, y_te = preprocess(te_u8), torch.from_numpy(te_y.astype(np.int64))

    def fit(x, y, x_val=None, y_val=None, tag=""):
        """Adam + OneCycle for args.epochs; returns (model, per-epoch val accs, best (acc, epoch, state))."""
        model = LeNet5()
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        spe = (len(x) + args.batch_size - 1) // args.batch_size
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                    steps_per_epoch=spe, pct_start=0.2)
        accs, best, t0 = [], (-1.0, 0, None), time.time()
        for epoch in range(1, args.epochs + 1):
            model.train()
            perm = torch.randperm(len(x), generator=gen)
            tot_loss = 0.0
            for i in range(0, len(perm), args.batch_size):
                b = perm[i:i + args.batch_size]
                loss = F.cross_entropy(model(augment(x[b], gen)), y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                tot_loss += loss.item() * len(b)
            msg = f"[{tag}] epoch {epoch:2d}  loss {tot_loss / len(x):.4f}"
            if x_val is not None:
                va_acc = (predict_proba(model, x_val).argmax(1) == y_val).float().mean().item()
                accs.append(va_acc)
                if va_acc >= best[0]:  # ties -> later epoch
                    best = (va_acc, epoch, {k: v.detach().clone() for k, v in model.state_dict().items()})
                msg += f"  val acc {100 * va_acc:.2f}%"
            print(msg + f"  ({time.time() - t0:.0f}s)", flush=True)
        return model, accs, best

    n_params = sum(p.numel() for p in LeNet5().parameters())
    assert n_params == 61706, n_params
    print(f"torch {torch.__version__}, {n_params} parameters, train {len(x_tr)}, val {len(x_va)}, "
          f"test (held out) {len(x_te)}")

    t0 = time.time()
    # Phase 1: 90/10 split of the training digits -> validation curve (used to choose the schedule).
    model, val_accs, (best_val, best_epoch, best_state) = fit(x_tr, y_tr, x_va, y_va, tag="split")
    final_val = val_accs[-1]
    if args.refit:
        # Phase 2: same schedule on all 8,500 training digits; export the final epoch.
        model, _, _ = fit(x_all, y_all, tag="refit")
        selection = (f"refit on all {len(x_all)} training digits for {args.epochs} epochs, final epoch exported "
                     f"(the {len(x_tr)}/{len(x_va)} split run reached {100 * final_val:.2f}% validation "
                     f"accuracy at its final epoch, best {100 * best_val:.2f}% at epoch {best_epoch})")
        export_epoch = args.epochs
    else:
        model.load_state_dict(best_state)
        selection = (f"trained on {len(x_tr)} digits, checkpoint of epoch {best_epoch} selected by validation "
                     f"accuracy {100 * best_val:.2f}% on {len(x_va)} digits")
        export_epoch = best_epoch
    train_time = time.time() - t0

    probs = predict_proba(model, x_te)
    n_correct = int((probs.argmax(1) == y_te).sum())
    test_acc = n_correct / len(y_te)
    print(selection)
    print(f"held-out accuracy on 1,500 MNIST digits: {100 * test_acc:.2f}% ({n_correct}/1500)")
    print(f"training time: {train_time:.1f}s")

    # --- model repository ---
    mdir = os.path.join(args.out, "lenet5")
    os.makedirs(os.path.join(mdir, "1"), exist_ok=True)
    with open(os.path.join(mdir, "model.json"), "w") as f:
        json.dump(model_json(test_acc, args.epochs, export_epoch, args.refit, len(x_tr), len(x_va)), f, indent=2)
        f.write("\n")
    arrays = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    expected = {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5),
                "conv2.bias": (16,), "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120),
                "fc2.bias": (84,), "fc3.weight": (10, 84), "fc3.bias": (10,)}
    assert {k: a.shape for k, a in arrays.items()} == expected
    wpath = os.path.join(mdir, "1", "weights.npz")
    np.savez(wpath, **{k: arrays[k] for k in expected})  # np.savez: entries are ZIP_STORED
    with zipfile.ZipFile(wpath) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    with open(os.path.join(mdir, "labels.txt"), "w") as f:
        f.write("".join(f"{d}\n" for d in range(10)))

    # --- Java test resources ---
    os.makedirs(args.test_resources, exist_ok=True)
    for name in ("test_images_u8.npy", "test_labels.npy"):
        shutil.copyfile(os.path.join(args.data, name), os.path.join(args.test_resources, name))
    np.save(os.path.join(args.test_resources, "expected_probabilities.npy"), probs.numpy().astype(np.float32))

    # --- RESULTS.md ---
    cmd = "python3 " + " ".join([os.path.relpath(os.path.abspath(sys.argv[0]), REPO_ROOT)] + sys.argv[1:])
    with open(args.results, "w") as f:
        f.write(f"""# LeNet-5 training results

- Held-out accuracy on 1,500 MNIST digits (`test_images_u8.npy`, never used for training or selection):
  **{100 * test_acc:.2f}%** ({n_correct}/1500)
- Model selection: {selection}
- Epochs: {args.epochs} per run ({"two runs: split + refit" if args.refit else "one run"}); batch size {args.batch_size};
  Adam, OneCycle LR schedule (max lr {args.lr}); augmentation: random affine (rotation ±10°,
  scale 0.9–1.1, shear ±0.1, translation up to ±2 px); seed {args.seed}; 2 CPU threads; deterministic algorithms
- Training time: {train_time:.1f} s (all runs, 2 CPU threads)
- Parameters: {n_params}
- torch {torch.__version__}, numpy {np.__version__}, Python {platform.python_version()}

Command (run from the repository root):

```
{cmd}
```

Outputs: `{os.path.relpath(mdir, REPO_ROOT)}/model.json`, `{os.path.relpath(wpath, REPO_ROOT)}`,
`{os.path.relpath(os.path.join(mdir, 'labels.txt'), REPO_ROOT)}`,
`{os.path.relpath(args.test_resources, REPO_ROOT)}/{{test_images_u8,test_labels,expected_probabilities}}.npy`
(`expected_probabilities.npy`: float32 [1500,10], PyTorch softmax of the exported model on the test digits).
""")


if __name__ == "__main__":
    main()
