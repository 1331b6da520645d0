#!/usr/bin/env python3
"""How far LiteRT's default (XNNPACK) int8 output is from TFLite's reference kernels
(OpResolverType.BUILTIN_REF), which Ember matches byte for byte: counts differing output bytes
on seeded random int8 inputs. Run with the peers' venv (tools/bench-peers.sh creates it):
  .build-venv/peers/bin/python tools/peers/xnnpack_vs_reference.py [model.tflite] [inputs]"""
import sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

model = sys.argv[1] if len(sys.argv) > 1 else "models/mobilenetv2/mobilenetv2_imagenet_int8.tflite"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def outputs(**options):
    interpreter = Interpreter(model_path=model, num_threads=1, **options)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    info = np.iinfo(detail["dtype"])
    result = []
    for seed in range(count):
        x = np.random.default_rng(seed).integers(info.min, info.max + 1, detail["shape"]).astype(detail["dtype"])
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        result.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).astype(np.int32))
    return result


for seed, (fast, reference) in enumerate(zip(outputs(), outputs(experimental_op_resolver_type=OpResolverType.BUILTIN_REF))):
    diff = np.abs(fast - reference)
    print(f"input seed {seed}: {int((diff != 0).sum())} of {diff.size} output bytes differ, max |difference| {int(diff.max())}")
