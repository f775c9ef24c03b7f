"""PIL's preprocessing of the committed photos: the reference for PilReferenceTest.

Run from this folder:  python3 generate.py   (numpy and pillow; a re-run rewrites identical files)

Each case applies what torchvision's transforms do to a PIL image: `convert`, `Resize` (an int scales the shorter
side to it, keeping the aspect ratio; [h, w] is exact; PIL's bilinear filter, which widens its support when
shrinking, i.e. antialiases), `CenterCrop` (offsets rounded as torchvision does). `pil_reference.npz` holds each
case's result as PIL's uint8 pixels, [H, W, C]; ToTensor + Normalize (x / 255 - mean) / std is left to the test.
`cases.json` lists the cases: image, model.json `preprocessing` and input shape [C, H, W].

The images under encoded/ are written here from a crop of coffee.png (which has no ICC profile), to cover what a
camera or an editor produces: JPEGs with chroma subsampling 4:4:4, 4:2:2 and 4:2:0, progressive, grayscale, and
an embedded Adobe RGB (1998) profile (taken from rocket.jpg), and a PNG with that profile, which PIL does not
apply. Their cases decode only; the reference is PIL's decoding (libjpeg-turbo, zlib).
"""
import json
import os

import numpy as np
import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "data", "photos"))
IMAGENET = {"scale": 0.00392156862745098, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


def resize(img, size):
    """torchvision.transforms.functional.resize on a PIL image (bilinear)."""
    w, h = img.size
    if isinstance(size, int):
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size, int(size * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_h, new_w = size
    if (new_w, new_h) == (w, h):
        return img
    return img.resize((new_w, new_h), Image.BILINEAR)


def center_crop(img, size):
    """torchvision.transforms.functional.center_crop (the image is at least the crop size here)."""
    w, h = img.size
    ch, cw = size
    assert w >= cw and h >= ch
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return img.crop((left, top, left + cw, top + ch))


def preprocess(path, pre, shape):
    img = Image.open(path)
    img = img.convert("L" if pre.get("color") == "grayscale" else "RGB")
    if "resize" in pre:
        img = resize(img, pre["resize"])
    if "center_crop" in pre:
        img = center_crop(img, pre["center_crop"])
    if img.size != (shape[2], shape[1]):
        img = img.resize((shape[2], shape[1]), Image.BILINEAR)
    a = np.asarray(img, dtype=np.uint8)
    return a[:, :, None] if a.ndim == 2 else a


def write_encoded():
    os.makedirs(os.path.join(HERE, "encoded"), exist_ok=True)
    # odd sides: the last chroma block of a subsampled image covers one luma column / row
    src = Image.open(os.path.join(PHOTOS, "coffee.png")).convert("RGB").crop((180, 90, 381, 241))
    adobe = Image.open(os.path.join(PHOTOS, "rocket.jpg")).info["icc_profile"]
    variants = {
        "coffee_444.jpg": dict(subsampling=0),
        "coffee_422.jpg": dict(subsampling=1),
        "coffee_420.jpg": dict(subsampling=2),
        "coffee_420_progressive.jpg": dict(subsampling=2, progressive=True),
        "coffee_420_adobe_rgb.jpg": dict(subsampling=2, icc_profile=adobe),
    }
    names = []
    for name, options in variants.items():
        src.save(os.path.join(HERE, "encoded", name), "JPEG", quality=90, **options)
        names.append(name)
    src.convert("L").save(os.path.join(HERE, "encoded", "coffee_grey.jpg"), "JPEG", quality=90)
    names.append("coffee_grey.jpg")
    src.save(os.path.join(HERE, "encoded", "coffee_adobe_rgb.png"), "PNG", icc_profile=adobe)
    names.append("coffee_adobe_rgb.png")
    return names


def main():
    cases = []
    arrays = {}

    def add(name, image, pre, shape):
        full = {**IMAGENET, **pre} if pre.get("color") != "grayscale" else {"scale": 0.00392156862745098, **pre}
        arrays[name] = preprocess(os.path.join(HERE, image) if image.startswith("encoded/")
                                  else os.path.join(PHOTOS, image), full, shape)
        cases.append({"name": name, "image": image, "preprocessing": full, "shape": shape})

    for photo in sorted(os.listdir(PHOTOS)):
        stem = os.path.splitext(photo)[0]
        # torchvision's ImageNet evaluation: Resize(256), CenterCrop(224)
        add(stem + "_shorter256_crop224", photo, {"color": "rgb", "resize": 256, "center_crop": [224, 224]},
            [3, 224, 224])
        # a fixed square (the aspect ratio is not kept), then a crop
        add(stem + "_square256_crop227", photo, {"color": "rgb", "resize": [256, 256], "center_crop": [227, 227]},
            [3, 227, 227])
        # grayscale first (PIL's convert("L")), then straight to the input size
        add(stem + "_grey28", photo, {"color": "grayscale"}, [1, 28, 28])
    # enlarging by a non-integer factor: the filter's support stays 1 pixel (no antialiasing)
    add("chelsea_shorter431_crop256", "chelsea.png", {"color": "rgb", "resize": 431, "center_crop": [256, 256]},
        [3, 256, 256])
    for image in write_encoded():
        shape = [1 if "grey" in image else 3, 151, 201]
        add(image.replace(".", "_") + "_decoded", "encoded/" + image,
            {"color": "grayscale" if shape[0] == 1 else "rgb"}, shape)

    np.savez(os.path.join(HERE, "pil_reference.npz"), **arrays)
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"source": "Pillow %s, libjpeg-turbo %s" % (PIL.__version__, features.version("libjpeg_turbo")),
                   "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
