#!/usr/bin/env python3
"""The depthwise and GEMM layers of an .ember conv model, one line each, for
bench_kernels --model FILE.ember --layers THIS_OUTPUT: shapes, strides, pads, zero points,
clamps and the absolute file offsets of each layer's packed weights and requantization tables
(the bench reads those bytes from the model, so it runs what the engine runs).

  tools/bench-kernels/model_layers.py MODEL.ember > layers.txt

Lines (all integers; offsets in bytes from the start of the .ember file):
  dw   H W C stride pad_top pad_left OH OW in_zp out_zp act_min act_max packed mult shift
  gemm M K N in_zp out_zp act_min act_max packed mult shift KH KW stride pad_top pad_left H W Cin OW
       (KH = 0 and the rest 0 but stride 1 for a 1x1 stride-1 conv or a fully connected layer:
       no im2col)
Layout: docs/model-format.md. Stdlib only; trusts the file (run `ember info` on doubtful ones).
"""
import struct
import sys

CONV, DW, FC = 1, 2, 7


class Reader:
    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    def string(self):
        n = self.take("I")
        self.pos += n
        return self.buf[self.pos - n:self.pos].decode()


def main(path):
    buf = open(path, "rb").read()
    sections = [struct.unpack_from("<QQ", buf, 32 + 16 * i) for i in range(4)]
    data = sections[3][0]
    r = Reader(buf, sections[0][0])
    tensors = []
    for _ in range(r.take("I")):
        r.string()
        _dtype, rank, flags, _ = r.take("BBBB")
        shape = [r.take("q") for _ in range(rank)]
        zp = 0
        if flags & 1:
            _qdim, count = r.take("II")
            r.pos += 4 * count
            zp = r.take("i")
            r.pos += 4 * (count - 1)
        off = None
        if flags & 2:
            off = data + r.take("Q")
            r.take("Q")
        tensors.append((shape, zp, off))
    r = Reader(buf, sections[1][0])
    for _ in range(r.take("I")):
        kind, nin, nout, nattr, _ = r.take("HBBHH")
        ins = [r.take("I") for _ in range(nin)]
        outs = [r.take("I") for _ in range(nout)]
        attrs = {}
        for _ in range(nattr):
            key, typ, _ = r.take("HBB")
            if typ == 1:
                attrs[key] = r.take("q")
            elif typ == 2:
                attrs[key] = r.take("f")
            elif typ in (3, 4):
                n = r.take("I")
                attrs[key] = [r.take("q" if typ == 3 else "f") for _ in range(n)]
            else:
                attrs[key] = r.string()
        if kind not in (CONV, DW, FC):
            continue
        (xs, xzp, _), (ys, yzp, _) = tensors[ins[0]], tensors[outs[0]]
        packed, mult, shift = (tensors[i][2] for i in ins[1:4])
        a = lambda k, d=0: attrs.get(k, d)
        tail = [xzp, yzp, a(1, -128), a(2, 127), packed, mult, shift]
        if kind == DW:
            print("dw", xs[1], xs[2], xs[3], a(3, 1), a(9), a(10), ys[1], ys[2], *tail)
        elif kind == FC:
            k = tensors[ins[1]][0][-1]
            rows = 1
            for d in xs:
                rows *= d
            print("gemm", rows // k, k, ys[-1], *tail, 0, 0, 1, 0, 0, 0, 0, 0, 0)
        else:
            kh, kw, s = a(7, 1), a(8, 1), a(3, 1)
            im2col = kh != 1 or kw != 1 or s != 1 or a(9) or a(10)
            geo = [kh, kw, s, a(9), a(10), xs[1], xs[2], xs[3], ys[2]] if im2col else [0, 0, 1, 0, 0, 0, 0, 0, 0]
            print("gemm", ys[1] * ys[2], kh * kw * xs[3], ys[3], *tail, *geo)


if __name__ == "__main__":
    main(sys.argv[1])
