#!/usr/bin/env python3
"""Simulate int8 recipes for the encoder on the fidelity corpus (testdata/encoder), in PyTorch, with
the engine's quantization formulas: weights symmetric per output channel (max|w|/127, round half
away from zero), activations per row, asymmetric ((max-min)/255, the qd8 twin's rounding). Prints
mean / min cosine to the float goldens and the nearest-neighbour agreement, as
EncoderFidelityTests measures them. docs/encoder.md ("Fidelity") lists what it found.

Usage (from the repository root, with make_encoder_goldens.py's venv; fortunes installed):
  .build-models/venv/bin/python tools/models/simulate_encoder_quant.py .build-models/all-MiniLM-L6-v2 \
      [--weights rtn|gptq|float] [--acts int8|float] [--float-acts KINDS] [--float-weights KINDS] \
      [--smooth ALPHA [--smooth-only KINDS]] [--rotate KINDS [--rotate-block B] [--rotate-signs SEED]]
      [--act-group G] [--float-layers LAYERS] [--calib N | --calib-file FILE]
KINDS are comma-separated linear names within a layer: qkv (the fused query/key/value),
attention.output.dense, intermediate.dense, output.dense. Smoothing divides a linear's input
column i by s_i = max|x_i|^a / max|w_i|^(1-a) (one s for the fused QKV) and multiplies the weight
column by it before quantizing. Rotation multiplies a linear's (smoothed) input row and weight rows
by an orthonormal block Hadamard matrix (blocks of B columns, the largest power of two up to B that
divides the width, default 128; B = 0: the whole row, 12 * 2^a by the Paley matrix), as
`ember convert` does; --act-group G gives each G columns of a row their own activation scale;
--float-layers keeps the given layers' (0-based) weights and inputs in float.
Calibration sentences are the fortunes after the corpus's 1,200 (disjoint from it), or the lines
of --calib-file.
"""
import argparse, json, math, sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import BertWordPieceTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from make_encoder_goldens import build_corpus  # noqa: E402

KINDS = ["qkv", "attention.output.dense", "intermediate.dense", "output.dense"]


def round_away(x):
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def quant_weight_rtn(w):
    scale = (w.abs().amax(1, keepdim=True) / 127).clamp_min(1e-30)
    return round_away(w / scale).clamp(-127, 127) * scale


def quant_weight_gptq(w, h, damp=0.01, block=128):
    """GPTQ (Frantar et al. 2022) with the fixed per-channel max|w| scale: columns in order, each
    one's rounding error spread over the columns not yet rounded through the inverse Hessian."""
    w = w.clone().double()
    k = w.shape[1]
    scale = (w.abs().amax(1) / 127).clamp_min(1e-30)
    h = h.double().clone()
    dead = torch.diag(h) == 0
    h[dead, dead] = 1
    w[:, dead] = 0
    h += damp * torch.mean(torch.diag(h)) * torch.eye(k, dtype=h.dtype)
    hinv = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(h)), upper=True)
    q = torch.zeros_like(w)
    for i1 in range(0, k, block):
        i2 = min(i1 + block, k)
        w1, err1, hinv1 = w[:, i1:i2].clone(), torch.zeros(w.shape[0], i2 - i1, dtype=w.dtype), hinv[i1:i2, i1:i2]
        for i in range(i2 - i1):
            qc = round_away(w1[:, i] / scale).clamp(-127, 127) * scale
            q[:, i1 + i] = qc
            e = (w1[:, i] - qc) / hinv1[i, i]
            w1[:, i:] -= e.unsqueeze(1) @ hinv1[i, i:].unsqueeze(0)
            err1[:, i] = e
        w[:, i2:] -= err1 @ hinv[i1:i2, i2:]
    return q.float()


def hadamard12():
    """Paley construction (q = 11): I + [[0, 1], [-1, Q]] with Q the Jacobsthal matrix."""
    sq = {(i * i) % 11 for i in range(1, 11)}
    chi = lambda a: 0 if a % 11 == 0 else (1 if a % 11 in sq else -1)
    s = torch.zeros(12, 12)
    s[0, 1:], s[1:, 0] = 1, -1
    for i in range(11):
        for j in range(11):
            s[1 + i, 1 + j] = chi(j - i)
    h = torch.eye(12) + s
    assert torch.equal(h @ h.T, 12 * torch.eye(12))
    return h


def hadamard(n):
    """A Hadamard matrix of size n = 2^a or 12 * 2^a (Sylvester doubling)."""
    h = hadamard12() if n % 12 == 0 else torch.ones(1, 1)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)])
    assert h.shape[0] == n, n
    return h


def hadamard_blocks(k, n, signs_seed=None):
    """Block-diagonal orthonormal Hadamard matrix (blocks of n, or one of k when n is 0), optionally
    after a random diagonal of signs."""
    n = n or k
    while k % n:  # the converter's rule: the largest power of two up to n that divides k
        n //= 2
    r = torch.block_diag(*[hadamard(n) / math.sqrt(n)] * (k // n))
    if signs_seed is not None:
        g = torch.Generator().manual_seed(signs_seed + k)
        r = torch.diag(torch.randint(0, 2, (k,), generator=g).float() * 2 - 1) @ r
    return r


def quant_rows_grouped(x, g):
    t, k = x.shape
    return quant_rows(x.reshape(t * (k // g), g)).reshape(t, k)


def quant_rows(x):
    lo = x.amin(1, keepdim=True).clamp(max=0)
    hi = x.amax(1, keepdim=True).clamp(min=0)
    s = (hi - lo) / 255
    s = torch.where(s > 0, s, torch.ones_like(s))
    zp = torch.round(-128 - lo / s).clamp(-128, 127)
    return ((round_away(x * (1 / s)) + zp).clamp(-128, 127) - zp) * s  # the engine multiplies by 1 / s


def linears(w, layers, weight, bias):
    """Fills weight and bias with every layer's linears by name (KINDS), query/key/value fused."""
    for l in range(layers):
        p = f"encoder.layer.{l}."
        qkv = ["attention.self." + n for n in ("query", "key", "value")]
        weight[p + "qkv"] = torch.cat([w[p + n + ".weight"] for n in qkv])
        bias[p + "qkv"] = torch.cat([w[p + n + ".bias"] for n in qkv])
        for kind in KINDS[1:]:
            weight[p + kind], bias[p + kind] = w[p + kind + ".weight"], w[p + kind + ".bias"]


class Model:
    """The BERT forward of make_encoder_goldens.py with every linear replaceable."""

    def __init__(self, w, cfg):
        self.w, self.cfg = w, cfg
        self.weight, self.bias, self.divisor = {}, {}, {}  # per linear: effective weight, bias, input divisor
        self.int8_inputs = set()
        self.rotation = {}  # per linear: orthogonal matrix applied to the input row (weights rotated alike)
        self.group = 0
        self.capture = None  # linear -> list of float inputs, when calibrating
        linears(w, cfg["layers"], self.weight, self.bias)
        h = cfg["hidden"]
        assert self.weight["encoder.layer.0.qkv"].shape == (3 * h, h)

    def lin(self, x, name):
        if self.capture is not None:
            self.capture.setdefault(name, []).append(x)
        if name in self.divisor:
            x = x / self.divisor[name]
        if name in self.rotation:
            x = x @ self.rotation[name]
        if name in self.int8_inputs:
            x = quant_rows_grouped(x, self.group) if self.group else quant_rows(x)
        return x @ self.weight[name].T + self.bias[name]

    def forward(self, ids):
        w, cfg = self.w, self.cfg
        h, heads = cfg["hidden"], cfg["heads"]
        d, t = h // heads, len(ids)
        ln = lambda x, p: torch.nn.functional.layer_norm(x, (h,), w[p + ".weight"], w[p + ".bias"], cfg["eps"])
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = ln(x, "embeddings.LayerNorm")
        for l in range(cfg["layers"]):
            p = f"encoder.layer.{l}."
            q, k, v = self.lin(x, p + "qkv").view(t, 3, heads, d).permute(1, 2, 0, 3)
            a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), -1) @ v
            x = ln(self.lin(a.transpose(0, 1).reshape(t, h), p + "attention.output.dense") + x,
                   p + "attention.output.LayerNorm")
            up = torch.nn.functional.gelu(self.lin(x, p + "intermediate.dense"))
            x = ln(self.lin(up, p + "output.dense") + x, p + "output.LayerNorm")
        e = x.mean(0)
        return e / e.norm().clamp_min(1e-12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--weights", choices=["rtn", "gptq", "float"], default="rtn")
    ap.add_argument("--acts", choices=["int8", "float"], default="int8")
    ap.add_argument("--float-acts", default="", help="linear kinds whose input stays float")
    ap.add_argument("--float-weights", default="", help="linear kinds whose weights stay float")
    ap.add_argument("--smooth", type=float, help="migration strength alpha in (0, 1]")
    ap.add_argument("--smooth-only", default=",".join(KINDS), help="linear kinds to smooth (default all)")
    ap.add_argument("--rotate", default="", help="linear kinds whose input is rotated by a block Hadamard")
    ap.add_argument("--rotate-block", type=int, default=128, help="0: one Hadamard of the whole row")
    ap.add_argument("--rotate-signs", type=int, help="seed of random signs before the Hadamard")
    ap.add_argument("--float-layers", default="", help="layers (0-based) whose weights and inputs stay float")
    ap.add_argument("--act-group", type=int, default=0, help="activation scale per group of channels")
    ap.add_argument("--calib", type=int, default=300, help="calibration sentences")
    ap.add_argument("--calib-file", type=Path)
    ap.add_argument("--goldens", type=Path, default=Path("testdata/encoder"),
                    help="make_encoder_goldens.py output to compare with (default testdata/encoder)")
    args = ap.parse_args()
    torch.set_num_threads(2)

    c = json.loads((args.model / "config.json").read_text())
    cfg = dict(hidden=c["hidden_size"], heads=c["num_attention_heads"], layers=c["num_hidden_layers"],
               eps=c["layer_norm_eps"])
    w = load_file(str(args.model / "model.safetensors"))
    gold = args.goldens
    ids = [torch.tensor([int(t) for t in line.split(",")]) for line in (gold / "tokens.txt").read_text().split()]
    ref = np.frombuffer((gold / "embeddings.f16").read_bytes(), dtype="<f2").astype(np.float32).reshape(len(ids), -1)
    nearest = np.array([int(n) for n in (gold / "nearest.txt").read_text().split()])

    tok = BertWordPieceTokenizer(str(args.model / "vocab.txt"), lowercase=True)
    tok.enable_truncation(256)
    if args.calib_file:
        text = [l for l in args.calib_file.read_text().splitlines() if l.strip()][:args.calib]
    else:
        text = build_corpus(1200 + args.calib)[1200:]
    calib = [torch.tensor(tok.encode(s).ids) for s in text]

    m = Model(w, cfg)
    smooth_kinds = set(args.smooth_only.split(","))
    float_kinds = set(filter(None, args.float_acts.split(",")))
    rotate_kinds = set(filter(None, args.rotate.split(",")))
    float_layers = set(filter(None, args.float_layers.split(",")))
    m.group = args.act_group
    with torch.no_grad():
        m.capture = {}
        for i in calib:
            m.forward(i)
        inputs, m.capture = m.capture, None
        for name, W in list(m.weight.items()):
            kind = name.split(".", 3)[3]
            X = torch.cat(inputs[name])
            s = torch.ones(W.shape[1])
            if args.smooth and kind in smooth_kinds:
                s = X.abs().amax(0).clamp_min(1e-5).pow(args.smooth) / W.abs().amax(0).clamp_min(1e-5).pow(1 - args.smooth)
                s = s / s.mean()
                m.divisor[name] = s
            W = W * s
            Xs = X / s
            if kind in rotate_kinds:
                r = hadamard_blocks(W.shape[1], args.rotate_block, args.rotate_signs)
                m.rotation[name] = r
                W, Xs = W @ r, Xs @ r
            if kind in set(filter(None, args.float_weights.split(","))) or name.split(".")[2] in float_layers:
                pass
            elif args.weights == "rtn":
                W = quant_weight_rtn(W)
            elif args.weights == "gptq":
                W = quant_weight_gptq(W, 2 * Xs.T @ Xs / len(Xs))
            m.weight[name] = W
            if args.acts == "int8" and kind not in float_kinds and name.split(".")[2] not in float_layers:
                m.int8_inputs.add(name)
        e = torch.stack([m.forward(i) for i in ids]).numpy()
    cos = (e * ref).sum(1) / np.linalg.norm(ref, axis=1)
    sim = e @ e.T
    np.fill_diagonal(sim, -2)
    agree = int((sim.argmax(1) == nearest).sum())
    print(f"weights {args.weights} (float: {args.float_weights or '-'}; layers {args.float_layers or '-'}), acts {args.acts} (float: {args.float_acts or '-'}, group {args.act_group}), "
          f"rotate {args.rotate or '-'} ({args.rotate_block}), smooth {args.smooth} "
          f"on {args.smooth_only if args.smooth else '-'}, {len(calib)} calibration sentences: mean {cos.mean():.5f} "
          f"min {cos.min():.5f} NN {100 * agree / len(ids):.1f}% ({agree}/{len(ids)})")


if __name__ == "__main__":
    main()
