#!/usr/bin/env python3
"""Rewrite a full-integer TFLite model of the MobileNet family as an onnxruntime QOperator model.

The peer benchmark needs onnxruntime running the *same* int8 weights as Ember and LiteRT, not a
model re-quantized from float. This walks the TFLite graph and emits, op for op:

  CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED -> QLinearConv (per-channel int8 weights, int32 bias;
      depthwise as group = channels, fully connected as a 1x1 convolution)
  ADD -> com.microsoft.QLinearAdd       MEAN over H, W -> com.microsoft.QLinearGlobalAveragePool
  AVERAGE_POOL_2D -> com.microsoft.QLinearAveragePool   PAD -> Pad with the zero point
  RESHAPE -> Reshape   SOFTMAX -> DequantizeLinear, Softmax, QuantizeLinear
  QUANTIZE / DEQUANTIZE -> QuantizeLinear / DequantizeLinear

With --uint8-activations (the default) int8 activations become uint8 with the zero point moved by
128: the same numbers, in the form onnxruntime's x86 kernels are fastest with (U8S8); the weights stay
int8. Layout is NCHW inside; the graph input stays NHWC (one Transpose) so callers feed the same bytes to
every runtime. Fused ReLU/ReLU6 become the int8 saturation of the output range, which is what the
converter's output quantization already encodes; the result is close to, not bit-exact with, TFLite
(onnxruntime rounds its requantization differently), which is all a latency comparison needs.

Usage: tflite_to_onnx_qop.py [--int8-activations] model.tflite model.onnx
"""
import argparse

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

ONNX_DTYPE = {tflite.TensorType.INT8: TensorProto.INT8, tflite.TensorType.UINT8: TensorProto.UINT8,
              tflite.TensorType.FLOAT32: TensorProto.FLOAT, tflite.TensorType.INT32: TensorProto.INT32}
NP_DTYPE = {tflite.TensorType.INT8: np.int8, tflite.TensorType.UINT8: np.uint8,
            tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.INT32: np.int32,
            tflite.TensorType.INT64: np.int64}


class Converter:
    def __init__(self, buf, uint8_activations):
        self.uint8_activations = uint8_activations
        self.model = tflite.Model.GetRootAsModel(buf, 0)
        self.graph = self.model.Subgraphs(0)
        self.nodes, self.initializers, self.names = [], [], {}
        self.counter = 0

    # --- tensors -------------------------------------------------------------------------------
    def tensor(self, i):
        return self.graph.Tensors(i)

    def name(self, i):
        return f"t{i}"

    def constant(self, i):
        t = self.tensor(i)
        data = self.model.Buffers(t.Buffer()).DataAsNumpy()
        if isinstance(data, int):
            raise ValueError(f"tensor {i} ({t.Name().decode()}) has no data")
        return np.frombuffer(data.tobytes(), dtype=NP_DTYPE[t.Type()]).reshape(t.ShapeAsNumpy())

    def quant(self, i):
        q = self.tensor(i).Quantization()
        return q.ScaleAsNumpy().astype(np.float32), q.ZeroPointAsNumpy().astype(np.int64)

    def init(self, array, hint):
        self.counter += 1
        name = f"{hint}_{self.counter}"
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def scale_zp(self, i):
        """Per-tensor scale and zero point initializers of an activation tensor."""
        scale, zp = self.quant(i)
        zero_point = self.activation_dtype(i)(zp[0] + (128 if self.shifted(i) else 0))
        return self.init(np.float32(scale[0]), "scale"), self.init(zero_point, "zp")

    def shifted(self, i):
        return self.uint8_activations and self.tensor(i).Type() == tflite.TensorType.INT8

    def activation_dtype(self, i):
        return np.uint8 if self.shifted(i) else NP_DTYPE[self.tensor(i).Type()]

    def node(self, op, inputs, outputs, domain=None, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, domain=domain, **attrs))

    # --- ops -----------------------------------------------------------------------------------
    def options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def conv_like(self, op, weights_oihw, group, strides, pads, dilations=(1, 1)):
        x, w, b = op.InputsAsNumpy()[:3]
        y = op.OutputsAsNumpy()[0]
        w_scale, _ = self.quant(w)
        x_s, x_z = self.scale_zp(x)
        y_s, y_z = self.scale_zp(y)
        inputs = [self.name(x), x_s, x_z, self.init(weights_oihw, "w"),
                  self.init(w_scale, "w_scale"), self.init(np.zeros(len(w_scale), np.int8), "w_zp"), y_s, y_z]
        if b >= 0:
            inputs.append(self.init(self.constant(b).astype(np.int32), "bias"))
        kh, kw = weights_oihw.shape[2:]
        self.node("QLinearConv", inputs, [self.name(y)], group=group, kernel_shape=[kh, kw],
                  strides=list(strides), pads=list(pads), dilations=list(dilations))

    @staticmethod
    def same_pads(in_hw, k_hw, strides, dilations):
        pads_begin, pads_end = [], []
        for size, k, s, d in zip(in_hw, k_hw, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pads_begin.append(total // 2)
            pads_end.append(total - total // 2)
        return pads_begin + pads_end

    def spatial_pads(self, op, padding, k_hw, strides, dilations):
        if padding == tflite.Padding.VALID:
            return [0, 0, 0, 0]
        shape = self.tensor(op.InputsAsNumpy()[0]).ShapeAsNumpy()
        return self.same_pads(shape[1:3], k_hw, strides, dilations)

    def CONV_2D(self, op):
        o = self.options(op, tflite.Conv2DOptions)
        w = self.constant(op.InputsAsNumpy()[1])  # OHWI
        strides, dil = (o.StrideH(), o.StrideW()), (o.DilationHFactor(), o.DilationWFactor())
        pads = self.spatial_pads(op, o.Padding(), w.shape[1:3], strides, dil)
        self.conv_like(op, w.transpose(0, 3, 1, 2).copy(), 1, strides, pads, dil)

    def DEPTHWISE_CONV_2D(self, op):
        o = self.options(op, tflite.DepthwiseConv2DOptions)
        w = self.constant(op.InputsAsNumpy()[1])  # 1, H, W, C
        if o.DepthMultiplier() != 1:
            raise ValueError("depth multiplier other than 1")
        strides, dil = (o.StrideH(), o.StrideW()), (o.DilationHFactor(), o.DilationWFactor())
        pads = self.spatial_pads(op, o.Padding(), w.shape[1:3], strides, dil)
        self.conv_like(op, w.transpose(3, 0, 1, 2).copy(), w.shape[3], strides, pads, dil)

    def FULLY_CONNECTED(self, op):
        x = op.InputsAsNumpy()[0]
        w = self.constant(op.InputsAsNumpy()[1])  # out, in
        as4d = f"fc_in_{self.counter}"
        self.node("Reshape", [self.name(x), self.init(np.array([-1, w.shape[1], 1, 1], np.int64), "shape")], [as4d])
        y = op.OutputsAsNumpy()[0]
        conv_out = f"fc_out_{self.counter}"
        w_scale, _ = self.quant(op.InputsAsNumpy()[1])
        x_s, x_z = self.scale_zp(x)
        y_s, y_z = self.scale_zp(y)
        inputs = [as4d, x_s, x_z, self.init(w.reshape(w.shape[0], w.shape[1], 1, 1), "w"),
                  self.init(w_scale, "w_scale"), self.init(np.zeros(len(w_scale), np.int8), "w_zp"), y_s, y_z]
        if op.InputsAsNumpy()[2] >= 0:
            inputs.append(self.init(self.constant(op.InputsAsNumpy()[2]).astype(np.int32), "bias"))
        self.node("QLinearConv", inputs, [conv_out], kernel_shape=[1, 1])
        self.node("Reshape", [conv_out, self.init(np.array([-1, w.shape[0]], np.int64), "shape")], [self.name(y)])

    def ADD(self, op):
        a, b = op.InputsAsNumpy()
        y = op.OutputsAsNumpy()[0]
        self.node("QLinearAdd", [self.name(a), *self.scale_zp(a), self.name(b), *self.scale_zp(b), *self.scale_zp(y)],
                  [self.name(y)], domain="com.microsoft")

    def MEAN(self, op):
        x, axes = op.InputsAsNumpy()
        if sorted(self.constant(axes).tolist()) != [1, 2]:
            raise ValueError("MEAN over axes other than H, W")
        y = op.OutputsAsNumpy()[0]
        pooled = f"mean_{self.counter}"
        self.node("QLinearGlobalAveragePool", [self.name(x), *self.scale_zp(x), *self.scale_zp(y)], [pooled],
                  domain="com.microsoft", channels_last=0)
        if len(self.tensor(y).ShapeAsNumpy()) == 2:  # keep_dims false
            self.node("Flatten", [pooled], [self.name(y)])
        else:
            self.node("Identity", [pooled], [self.name(y)])

    def AVERAGE_POOL_2D(self, op):
        o = self.options(op, tflite.Pool2DOptions)
        x = op.InputsAsNumpy()[0]
        y = op.OutputsAsNumpy()[0]
        k, s = (o.FilterHeight(), o.FilterWidth()), (o.StrideH(), o.StrideW())
        pads = self.spatial_pads(op, o.Padding(), k, s, (1, 1))
        self.node("QLinearAveragePool", [self.name(x), *self.scale_zp(x), *self.scale_zp(y)], [self.name(y)],
                  domain="com.microsoft", kernel_shape=list(k), strides=list(s), pads=pads, count_include_pad=0)

    def PAD(self, op):
        x, paddings = op.InputsAsNumpy()[:2]
        p = self.constant(paddings)  # NHWC rows of (before, after)
        nchw = [p[0], p[3], p[1], p[2]]
        pads = [int(r[0]) for r in nchw] + [int(r[1]) for r in nchw]
        _, zp = self.quant(x)
        value = self.init(self.activation_dtype(x)(zp[0] + (128 if self.shifted(x) else 0)), "pad_value")
        self.node("Pad", [self.name(x), self.init(np.array(pads, np.int64), "pads"), value], [self.name(op.OutputsAsNumpy()[0])])

    def RESHAPE(self, op):
        x = op.InputsAsNumpy()[0]
        y = op.OutputsAsNumpy()[0]
        shape = self.tensor(y).ShapeAsNumpy().astype(np.int64)
        shape[0] = -1
        self.node("Reshape", [self.name(x), self.init(shape, "shape")], [self.name(y)])

    def SOFTMAX(self, op):
        x = op.InputsAsNumpy()[0]
        y = op.OutputsAsNumpy()[0]
        f_in, f_out = f"sm_in_{self.counter}", f"sm_out_{self.counter}"
        self.node("DequantizeLinear", [self.name(x), *self.scale_zp(x)], [f_in])
        self.node("Softmax", [f_in], [f_out], axis=-1)
        self.node("QuantizeLinear", [f_out, *self.scale_zp(y)], [self.name(y)])

    def QUANTIZE(self, op):
        y = op.OutputsAsNumpy()[0]
        self.node("QuantizeLinear", [self.name(op.InputsAsNumpy()[0]), *self.scale_zp(y)], [self.name(y)])

    def DEQUANTIZE(self, op):
        x = op.InputsAsNumpy()[0]
        self.node("DequantizeLinear", [self.name(x), *self.scale_zp(x)], [self.name(op.OutputsAsNumpy()[0])])

    # --- graph ---------------------------------------------------------------------------------
    def convert(self):
        names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
        for i in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            kind = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            handler = getattr(self, kind, None)
            if handler is None:
                raise ValueError(f"operator {i}: {kind} is not supported by this rewrite")
            handler(op)

        (x,) = self.graph.InputsAsNumpy()
        (y,) = self.graph.OutputsAsNumpy()
        xt, yt = self.tensor(x), self.tensor(y)
        in_shape = [int(d) for d in xt.ShapeAsNumpy()]
        self.nodes.insert(0, helper.make_node("Transpose", ["input"], [self.name(x)], perm=[0, 3, 1, 2]))
        out_shape = [int(d) for d in yt.ShapeAsNumpy()]
        graph = helper.make_graph(
            self.nodes, "mobilenet_qop",
            [helper.make_tensor_value_info("input", self.onnx_dtype(x), in_shape)],
            [helper.make_tensor_value_info(self.name(y), self.onnx_dtype(y), out_shape)],
            self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


    def onnx_dtype(self, i):
        return TensorProto.UINT8 if self.shifted(i) else ONNX_DTYPE[self.tensor(i).Type()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tflite")
    ap.add_argument("onnx")
    ap.add_argument("--int8-activations", action="store_true", help="keep int8 activations (S8S8 kernels)")
    args = ap.parse_args()
    with open(args.tflite, "rb") as f:
        model = Converter(bytearray(f.read()), uint8_activations=not args.int8_activations).convert()
    onnx.save(model, args.onnx)


if __name__ == "__main__":
    main()
