#!/usr/bin/env python3
"""Learned weight rounding for the shipped int8 encoder recipe, simulated end to end in PyTorch.

The recipe is what `ember convert` writes (smoothing 0.5 of QKV and FFN up calibrated on the 32
built-in sentences, 128-column Hadamard rotation of every linear's input, per-channel symmetric int8
weights with scale max|w|/127, per-row asymmetric int8 activations). On top of it each weight gets
a rounding offset v in [-0.5, 0.5] of its quantization step, q = clamp(round(w/s + v), -127, 127),
trained with straight-through rounding (as AutoRound, Cheng et al. 2023, does; here over the whole
network) so that the int8 model's embeddings and last hidden states match the float model's on
training text. Optionally the layer norms' weights and biases train too (`--ln-lr`).

Training text is disjoint from both evaluation corpora: fortunes after the fidelity corpus's first
1,200 (`--source fortunes`) or, with `--source info`, info-manual sentences after their first 1,200
(then only the fortunes score is clean). After each epoch it prints mean / min cosine and
nearest-neighbour agreement on the 1,200 fidelity fortunes and the 1,200 info sentences, against
this script's own float embeddings (batched float32, so a near tie may differ from the goldens):
the first line is plain rounding, the shipped recipe. docs/encoder.md ("Fidelity") has the result.

Usage (from the repository root, with make_encoder_goldens.py's venv; fortunes and info installed):
  .build-models/venv/bin/python tools/models/simulate_learned_rounding.py .build-models/all-MiniLM-L6-v2 \
      [--train 2000] [--epochs 5] [--lr 1e-3] [--ln-lr 0] [--source fortunes|info]
About 45 s per epoch of 2,000 sentences on two cores.
"""
import argparse, json, math, re, sys, time
from pathlib import Path

import torch
from safetensors.torch import load_file
from tokenizers import BertWordPieceTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from make_encoder_goldens import build_corpus, build_info_corpus  # noqa: E402
from simulate_encoder_quant import hadamard_blocks, linears, round_away  # noqa: E402

BUILTIN = Path(__file__).parents[2] / "Sources/EmberImport/BERT/CalibrationSentences.swift"


def builtin_sentences():
    src = BUILTIN.read_text()
    return [s.replace('\\"', '"') for s in re.findall(r'^\s+"(.*)",?$', src, re.M)]


def ste_round(x):
    return x + (round_away(x) - x).detach()


def fake_quant_rows(x):
    """The engine's per-row asymmetric int8 activations, with straight-through rounding."""
    lo = x.detach().amin(-1, keepdim=True).clamp(max=0)
    hi = x.detach().amax(-1, keepdim=True).clamp(min=0)
    s = (hi - lo) / 255
    s = torch.where(s > 0, s, torch.ones_like(s))
    zp = torch.round(-128 - lo / s).clamp(-128, 127)
    return ((ste_round(x * (1 / s)) + zp).clamp(-128, 127) - zp) * s  # the engine multiplies by 1 / s


class Encoder(torch.nn.Module):
    """Batched BERT forward (padding masked in attention and pooling), float or fake-quantized."""

    def __init__(self, w, cfg):
        super().__init__()
        self.w, self.cfg = w, cfg
        self.weight, self.bias, self.divisor, self.rotation, self.step = {}, {}, {}, {}, {}
        self.offset = torch.nn.ParameterDict()
        self.norm = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(v.clone())
                                            for k, v in w.items() if "LayerNorm" in k})
        self.quantized, self.capture = False, None
        linears(w, cfg["layers"], self.weight, self.bias)

    def quantize(self, calibration):
        """Smooth and rotate as `ember convert` does; offsets start at 0 (round to nearest)."""
        self.capture = {}
        with torch.no_grad():
            for ids in calibration:
                self(ids[None], torch.ones(1, len(ids)))
        inputs, self.capture = self.capture, None
        for name, w in self.weight.items():
            s = torch.ones(w.shape[1])
            if name.split(".", 3)[3] in ("qkv", "intermediate.dense"):
                x = torch.cat(inputs[name])
                s = x.abs().amax(0).clamp_min(1e-5).sqrt() / w.abs().amax(0).clamp_min(1e-5).sqrt()
                s = s / s.mean()
                self.divisor[name] = s
            self.rotation[name] = hadamard_blocks(w.shape[1], 128)
            self.weight[name] = (w * s) @ self.rotation[name]
            self.step[name] = (self.weight[name].abs().amax(1, keepdim=True) / 127).clamp_min(1e-30)
            self.offset[name.replace(".", "_")] = torch.nn.Parameter(torch.zeros_like(self.weight[name]))
        self.quantized = True

    def linear(self, x, name):
        if self.capture is not None:
            self.capture.setdefault(name, []).append(x.reshape(-1, x.shape[-1]))
        if not self.quantized:
            return x @ self.weight[name].T + self.bias[name]
        if name in self.divisor:
            x = x / self.divisor[name]
        x = fake_quant_rows(x @ self.rotation[name])
        s = self.step[name]
        q = ste_round(self.weight[name] / s + self.offset[name.replace(".", "_")]).clamp(-127, 127) * s
        return x @ q.T + self.bias[name]

    def layer_norm(self, x, prefix):
        k = prefix.replace(".", "_")
        return torch.nn.functional.layer_norm(x, (x.shape[-1],), self.norm[k + "_weight"], self.norm[k + "_bias"],
                                              self.cfg["eps"])

    def forward(self, ids, mask):
        w, cfg = self.w, self.cfg
        b, t = ids.shape
        h, heads = cfg["hidden"], cfg["heads"]
        d = h // heads
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self.layer_norm(x, "embeddings.LayerNorm")
        padding = (1 - mask)[:, None, None, :] * -1e9
        for l in range(cfg["layers"]):
            p = f"encoder.layer.{l}."
            q, k, v = self.linear(x, p + "qkv").view(b, t, 3, heads, d).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + padding, -1) @ v
            x = self.layer_norm(self.linear(a.transpose(1, 2).reshape(b, t, h), p + "attention.output.dense") + x,
                                p + "attention.output.LayerNorm")
            up = torch.nn.functional.gelu(self.linear(x, p + "intermediate.dense"))
            x = self.layer_norm(self.linear(up, p + "output.dense") + x, p + "output.LayerNorm")
        e = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return e / e.norm(dim=-1, keepdim=True).clamp_min(1e-12), x


def batches(seqs, size, generator=None):
    """Sentences of similar length together; batch order shuffled when a generator is given."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    if generator is not None:
        chunks = [chunks[i] for i in torch.randperm(len(chunks), generator=generator).tolist()]
    for chunk in chunks:
        ids = torch.zeros(len(chunk), max(len(seqs[i]) for i in chunk), dtype=torch.long)
        mask = torch.zeros(ids.shape)
        for j, i in enumerate(chunk):
            ids[j, :len(seqs[i])], mask[j, :len(seqs[i])] = seqs[i], 1
        yield chunk, ids, mask


def embed(model, seqs):
    out = torch.zeros(len(seqs), model.cfg["hidden"])
    with torch.no_grad():
        for chunk, ids, mask in batches(seqs, 64):
            out[chunk] = model(ids, mask)[0]
    return out


def score(e, ref):
    cos = (e * ref).sum(1)
    sim, ref_sim = e @ e.T, ref @ ref.T
    sim.fill_diagonal_(-2)
    ref_sim.fill_diagonal_(-2)
    agree = int((sim.argmax(1) == ref_sim.argmax(1)).sum())
    return f"mean {cos.mean():.5f} min {cos.min():.5f} NN {100 * agree / len(e):.1f}% ({agree}/{len(e)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--train", type=int, default=2000, help="training sentences")
    ap.add_argument("--source", choices=["fortunes", "info"], default="fortunes")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam step for the offsets (in quantization steps)")
    ap.add_argument("--ln-lr", type=float, default=0.0, help="Adam step for the layer norms (0: frozen)")
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)

    c = json.loads((args.model / "config.json").read_text())
    cfg = dict(hidden=c["hidden_size"], heads=c["num_attention_heads"], layers=c["num_hidden_layers"],
               eps=c["layer_norm_eps"])
    tok = BertWordPieceTokenizer(str(args.model / "vocab.txt"), lowercase=True)
    tok.enable_truncation(256)
    encode = lambda text: [torch.tensor(tok.encode(s).ids) for s in text]

    model = Encoder(load_file(str(args.model / "model.safetensors")), cfg)
    fortunes = build_corpus(1200 + (args.train if args.source == "fortunes" else 0))
    info = build_info_corpus(1200 + (args.train if args.source == "info" else 0))
    tests = {"fortunes": encode(fortunes[:1200]), "info": encode(info[:1200])}
    train = encode((fortunes if args.source == "fortunes" else info)[1200:])
    refs = {k: embed(model, v) for k, v in tests.items()}
    targets = {}
    with torch.no_grad():
        for chunk, ids, mask in batches(train, 64):
            e, x = model(ids, mask)
            for j, i in enumerate(chunk):
                targets[i] = (e[j], x[j, :len(train[i])])
    model.quantize(encode(builtin_sentences()))
    report = lambda: " | ".join(f"{k} {score(embed(model, v), refs[k])}" for k, v in tests.items())
    print("round to nearest:", report(), flush=True)

    groups = [{"params": list(model.offset.parameters()), "lr": args.lr}]
    if args.ln_lr:
        groups.append({"params": list(model.norm.parameters()), "lr": args.ln_lr})
    opt = torch.optim.Adam(groups)
    order = torch.Generator().manual_seed(1)
    for epoch in range(args.epochs):
        start, total = time.time(), 0.0
        for chunk, ids, mask in batches(train, args.batch, order):
            e, x = model(ids, mask)
            loss = (1 - (e * torch.stack([targets[i][0] for i in chunk])).sum(1)).mean()
            for j, i in enumerate(chunk):  # each token's last hidden state, as cosine
                tx = targets[i][1]
                loss = loss + (1 - torch.nn.functional.cosine_similarity(x[j, :len(tx)], tx, dim=-1)).mean() / len(chunk)
            opt.zero_grad()
            (1000 * loss).backward()
            opt.step()
            with torch.no_grad():
                for v in model.offset.values():
                    v.clamp_(-0.5, 0.5)
            total += loss.item() * len(chunk)
        print(f"epoch {epoch + 1} ({time.time() - start:.0f} s, loss {1000 * total / len(train):.4f}):", report(), flush=True)


if __name__ == "__main__":
    main()
