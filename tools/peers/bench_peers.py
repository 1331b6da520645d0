#!/usr/bin/env python3
"""Time LiteRT (XNNPACK) and onnxruntime (QOperator) on one int8 model, the way `ember bench` times Ember.

Same protocol for every runtime: fixed pseudo-random input bytes, --warmup untimed runs, then --runs
runs timed one by one; p50 / p90 / p99 by nearest rank, in milliseconds. Before timing, each runtime
classifies the stored photo inputs of the goldens (testdata/goldens) and its top-1 is printed next to
LiteRT's reference kernels' so a broken rewrite cannot pass for a fast one.

Usage: bench_peers.py --tflite M.tflite --onnx M.onnx --threads 1 [--runs 100] [--warmup 10]
Prints one line per runtime: "<runtime> threads=<n> p50=<ms> p90=<ms> p99=<ms> top1=<...>".
"""
import argparse
import json
import os
import time

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before the import: no network, no telemetry threads

import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def percentiles(times):
    times = sorted(times)
    pick = lambda p: times[min(len(times) - 1, max(0, int(np.ceil(p * len(times))) - 1))]
    return pick(0.5), pick(0.9), pick(0.99)


def time_runs(run, warmup, runs):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return percentiles(times)


def photo_inputs(model_path):
    index = json.load(open("testdata/goldens/index.json"))
    for entry in index["models"]:
        if os.path.basename(entry["model"]) == os.path.basename(model_path):
            return [(c["name"], c["input"], c.get("top1")) for c in entry["cases"] if not c["name"].startswith("random")]
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tflite", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()

    litert = Interpreter(model_path=args.tflite, num_threads=args.threads)  # XNNPACK delegate by default
    litert.allocate_tensors()
    detail = litert.get_input_details()[0]
    shape, dtype = tuple(detail["shape"]), detail["dtype"]
    out_index = litert.get_output_details()[0]["index"]

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    onnx = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    onnx_in = onnx.get_inputs()[0].name

    def run_litert(x):
        litert.set_tensor(detail["index"], x)
        litert.invoke()
        return litert.get_tensor(out_index)

    onnx_uint8 = onnx.get_inputs()[0].type == "tensor(uint8)"

    def run_onnx(x):
        # A uint8-activation rewrite holds the same numbers shifted by 128 (argmax is unchanged).
        if onnx_uint8 and x.dtype == np.int8:
            x = x.view(np.uint8) ^ np.uint8(0x80)
        return onnx.run(None, {onnx_in: x})[0]

    tops = {"litert-xnnpack": [], "onnxruntime-qop": []}
    for name, path, expected in photo_inputs(args.tflite):
        x = np.fromfile(path, dtype=dtype).reshape(shape)
        tops["litert-xnnpack"].append(f"{name}:{int(np.argmax(run_litert(x)))}/{expected}")
        tops["onnxruntime-qop"].append(f"{name}:{int(np.argmax(run_onnx(x)))}/{expected}")

    rng = np.random.default_rng(20261202)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    x = (rng.integers(info.min, info.max + 1, size=shape, dtype=dtype) if info
         else rng.standard_normal(shape).astype(dtype))
    for runtime, run in (("litert-xnnpack", lambda: run_litert(x)), ("onnxruntime-qop", lambda: run_onnx(x))):
        p50, p90, p99 = time_runs(run, args.warmup, args.runs)
        print(f"{runtime} threads={args.threads} p50={p50:.2f} p90={p90:.2f} p99={p99:.2f} "
              f"top1(got/reference)={','.join(tops[runtime]) or '-'}", flush=True)


if __name__ == "__main__":
    main()
