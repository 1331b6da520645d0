#!/usr/bin/env python3
"""Reference outputs ("goldens") of int8 TFLite models from LiteRT's reference kernels.

The oracle is ai-edge-litert's interpreter with OpResolverType.BUILTIN_REF: the reference
kernels, which Ember's int8 path must match byte for byte. (LiteRT's optimized builtin kernels
and XNNPACK are NOT bit-exact with them.)

For each model (the bundled MobileNetV2 and every testdata/models/*.tflite), the inputs are
  * random-0..2: seeded uniform tensors (int8: all of -128...127; float32: uniform in [-2.2, 2.7],
    about the range of ImageNet-normalized pixels), numpy default_rng(seed) with the seeds below;
  * chelsea, coffee: the two photos in testdata/, preprocessed as tools/models/preprocess.py
    defines exactly (RGB; Pillow antialiased bilinear resize of the shorter side to
    crop*256/224; centre crop; ImageNet mean/std in float32; quantize with the input's scale and
    zero point, round half away from zero) -- the torchvision pipeline, as EmberEngine does it.
Each input and output is stored as raw little-endian bytes (int8 or float32, row-major) in
testdata/goldens/<model>/<case>.{input,output}.bin and listed in testdata/goldens/index.json with
shapes, dtypes, quantization, the model's SHA-256 and, for the photos, the top-1 class.

Usage (from the repository root, with the venv of tools/models/README.md):
    tools/models/.venv/bin/python tools/models/make_goldens.py           # write
    tools/models/.venv/bin/python tools/models/make_goldens.py --check   # verify, write nothing
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preprocess  # noqa: E402

from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDENS = os.path.join("testdata", "goldens")
BUNDLED = os.path.join("models", "mobilenetv2", "mobilenetv2_imagenet_int8.tflite")
PHOTOS = [("chelsea", os.path.join("testdata", "chelsea.png")),
          ("coffee", os.path.join("testdata", "coffee.png"))]
RANDOM_SEEDS = [20261123, 4, 1234567]


def model_paths():
    paths = [BUNDLED]
    extra = os.path.join(ROOT, "testdata", "models")
    if os.path.isdir(extra):
        paths += sorted(os.path.join("testdata", "models", f) for f in os.listdir(extra) if f.endswith(".tflite"))
    return paths


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def describe(detail):
    scale, zero_point = detail["quantization"]
    return {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(d) for d in detail["shape"]],
            "scale": float(scale), "zero_point": int(zero_point)}


def random_input(detail, seed):
    rng = np.random.default_rng(seed)
    shape = tuple(detail["shape"])
    if detail["dtype"] == np.int8:
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    if detail["dtype"] == np.float32:
        return rng.uniform(-2.2, 2.7, size=shape).astype(np.float32)
    raise SystemExit(f"unsupported input dtype {detail['dtype']}")


def run_model(rel_path):
    with open(os.path.join(ROOT, rel_path), "rb") as f:
        model_bytes = f.read()
    interpreter = Interpreter(model_content=model_bytes,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    if len(inputs) != 1 or len(outputs) != 1:
        raise SystemExit(f"{rel_path}: expected one input and one output")
    inp, out = inputs[0], outputs[0]
    _, height, width, channels = inp["shape"]
    if height != width or channels != 3:
        raise SystemExit(f"{rel_path}: expected a square RGB input, got {inp['shape']}")

    cases = [(f"random-{i}", random_input(inp, seed), {"seed": seed}) for i, seed in enumerate(RANDOM_SEEDS)]
    for name, photo in PHOTOS:
        x = preprocess.preprocess(os.path.join(ROOT, photo), int(height), inp["dtype"], *inp["quantization"])
        cases.append((name, x, {"photo": photo, "crop": int(height), "resize": preprocess.resize_size(int(height))}))

    results = []
    for name, x, extra in cases:
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        y = interpreter.get_tensor(out["index"]).copy()
        flat = y.reshape(-1).astype(np.float64)
        results.append((name, x, y, dict(extra, top1=int(np.argmax(flat)))))
    return model_bytes, describe(inp), describe(out), results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the stored goldens, write nothing")
    args = parser.parse_args()

    index = {"oracle": "ai-edge-litert OpResolverType.BUILTIN_REF", "preprocessing": "tools/models/preprocess.py",
             "models": []}
    mismatches = 0
    for rel_path in model_paths():
        name = os.path.splitext(os.path.basename(rel_path))[0]
        model_bytes, input_desc, output_desc, results = run_model(rel_path)
        entry = {"name": name, "model": rel_path, "model_sha256": sha256(model_bytes),
                 "input": input_desc, "output": output_desc, "cases": []}
        folder = os.path.join(GOLDENS, name)
        os.makedirs(os.path.join(ROOT, folder), exist_ok=True)
        for case, x, y, extra in results:
            files = {"input": os.path.join(folder, f"{case}.input.bin"),
                     "output": os.path.join(folder, f"{case}.output.bin")}
            for key, array in (("input", x), ("output", y)):
                data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
                path = os.path.join(ROOT, files[key])
                if args.check:
                    if not os.path.exists(path) or open(path, "rb").read() != data:
                        print(f"MISMATCH {files[key]}")
                        mismatches += 1
                else:
                    with open(path, "wb") as f:
                        f.write(data)
            entry["cases"].append(dict({"name": case}, **files, **extra))
            print(f"{name} {case}: top1 {extra['top1']}")
        index["models"].append(entry)

    index_path = os.path.join(ROOT, GOLDENS, "index.json")
    text = json.dumps(index, indent=1) + "\n"
    if args.check:
        if not os.path.exists(index_path) or open(index_path).read() != text:
            print("MISMATCH testdata/goldens/index.json")
            mismatches += 1
        print(f"{mismatches} mismatches")
        sys.exit(1 if mismatches else 0)
    with open(index_path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
