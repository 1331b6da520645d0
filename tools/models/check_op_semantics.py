#!/usr/bin/env python3
"""Checks, op by op, that the parameters `ember convert` computes (same formulas, written here in
Python) reproduce LiteRT's reference kernels bit for bit: each model runs with
OpResolverType.BUILTIN_REF and experimental_preserve_all_tensors, and every ADD, MEAN, SOFTMAX,
AVERAGE_POOL_2D, PAD, RESHAPE, QUANTIZE and DEQUANTIZE output is recomputed in numpy from the op's
input tensors and compared. (Convolutions are the kernels' GEMM with per-channel
MultiplyByQuantizedMultiplier; they are checked by the kernels' own tests and the end-to-end
goldens.) This is the executable form of the op contract in docs/ops.md.

    tools/models/.venv/bin/python tools/models/check_op_semantics.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tflite_fixed_point import mbqm, quantize_multiplier  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def add(a, b, qa, qb, qy, act):
    left_shift = 20
    twice_max = 2 * float(max(np.float32(qa[0]), np.float32(qb[0])))
    ma, sa = quantize_multiplier(float(np.float32(qa[0])) / twice_max)
    mb, sb = quantize_multiplier(float(np.float32(qb[0])) / twice_max)
    mo, so = quantize_multiplier(twice_max / ((1 << left_shift) * float(np.float32(qy[0]))))
    xa = (a.astype(np.int64) - qa[1]) * (1 << left_shift)
    xb = (b.astype(np.int64) - qb[1]) * (1 << left_shift)
    s = mbqm(xa, ma, sa) + mbqm(xb, mb, sb)
    return np.clip(mbqm(s, mo, so) + qy[1], act[0], act[1])


def mean(x, qx, qy):
    n = x.shape[1] * x.shape[2]
    m, s = quantize_multiplier(float(np.float32(qx[0])) / float(np.float32(qy[0])))
    shift = min(n.bit_length() - 1, 32, 31 + s)
    m2, s2 = ((m << shift) // n), s - shift
    acc = x.astype(np.int64).sum(axis=(1, 2)) - qx[1] * n
    return np.clip(mbqm(acc, m2, s2) + qy[1], -128, 127)


def avgpool(x, kh, kw, sh, sw, pt, pl, oh, ow, act):
    _, h, w, c = x.shape
    out = np.zeros((1, oh, ow, c), np.int64)
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * sh - pt, ox * sw - pl
            ys, xs = slice(max(0, y0), min(h, y0 + kh)), slice(max(0, x0), min(w, x0 + kw))
            window = x[0, ys, xs].astype(np.int64)
            count = window.shape[0] * window.shape[1]
            total = window.sum(axis=(0, 1))
            # round half away from zero: (acc + count/2) / count with C truncation
            out[0, oy, ox] = np.where(total > 0, (total + count // 2) // count, -((-total + count // 2) // count))
    return np.clip(out, act[0], act[1])


def softmax(x, qx, beta):
    """TFLite's reference int8 softmax (fixed point, gemmlowp exp and reciprocal)."""
    from tflite_fixed_point import softmax_int8
    integer_bits = 5
    real = min(beta * float(np.float32(qx[0])) * (1 << (31 - integer_bits)), (1 << 31) - 1.0)
    m, shift = quantize_multiplier(real)
    radius = int(np.floor(((1 << integer_bits) - 1) * (1 << (31 - integer_bits)) / (1 << shift)))
    return softmax_int8(x.reshape(-1, x.shape[-1]), m, shift, -radius).reshape(x.shape)


def check(path):
    interpreter = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                              experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    rng = np.random.default_rng(5)
    if inp["dtype"] == np.int8:
        interpreter.set_tensor(inp["index"], rng.integers(-128, 128, size=inp["shape"], dtype=np.int8))
    else:
        interpreter.set_tensor(inp["index"], rng.uniform(-2.2, 2.7, size=inp["shape"]).astype(np.float32))
    interpreter.invoke()
    details = {t["index"]: t for t in interpreter.get_tensor_details()}
    tensor = interpreter.get_tensor
    q = lambda i: details[i]["quantization"]  # noqa: E731
    checked, failures = {}, 0
    for op in interpreter._get_ops_details():
        name, ins, outs = op["op_name"], op["inputs"], op["outputs"]
        y = tensor(outs[0])
        if name == "ADD":
            # The fused activation is not exposed by the interpreter; ADDs in these models have none.
            expected = add(tensor(ins[0]), tensor(ins[1]), q(ins[0]), q(ins[1]), q(outs[0]), (-128, 127))
        elif name == "MEAN":
            expected = mean(tensor(ins[0]), q(ins[0]), q(outs[0])).reshape(y.shape)
        elif name == "PAD":
            p = tensor(ins[1])
            expected = np.pad(tensor(ins[0]), p, constant_values=q(outs[0])[1])
        elif name in ("RESHAPE",):
            expected = tensor(ins[0]).reshape(y.shape)
        elif name == "AVERAGE_POOL_2D":
            x = tensor(ins[0])
            # the test model's pool: 3x3, stride 2, SAME
            oh, ow = y.shape[1], y.shape[2]
            total_h = max(0, (oh - 1) * 2 + 3 - x.shape[1]); total_w = max(0, (ow - 1) * 2 + 3 - x.shape[2])
            expected = avgpool(x, 3, 3, 2, 2, total_h // 2, total_w // 2, oh, ow, (-128, 127))
        elif name == "QUANTIZE":
            x = tensor(ins[0]).astype(np.float32)
            scale, zp = q(outs[0])
            v = x / np.float32(scale)
            expected = np.clip(np.sign(v) * np.floor(np.abs(v) + np.float32(0.5)) + zp, -128, 127)
        elif name == "DEQUANTIZE":
            scale, zp = q(ins[0])
            expected = (tensor(ins[0]).astype(np.int32) - zp).astype(np.float32) * np.float32(scale)
        elif name == "SOFTMAX":
            try:
                expected = softmax(tensor(ins[0]), q(ins[0]), 1.0)
            except ImportError:
                continue
        else:
            continue
        same = np.array_equal(np.asarray(expected).astype(y.dtype), y)
        checked[name] = checked.get(name, 0) + 1
        if not same:
            failures += 1
            diff = np.abs(np.asarray(expected).astype(np.float64) - y.astype(np.float64))
            print(f"  MISMATCH {name} op {op['index']}: {int((diff > 0).sum())} of {y.size} differ, max {diff.max()}")
    print(f"{os.path.relpath(path, ROOT)}: checked {checked}, {failures} mismatches")
    return failures


def main():
    paths = [os.path.join(ROOT, "models", "mobilenetv2", "mobilenetv2_imagenet_int8.tflite")]
    folder = os.path.join(ROOT, "testdata", "models")
    paths += sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".tflite"))
    failures = sum(check(p) for p in paths)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
