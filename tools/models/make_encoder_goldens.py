#!/usr/bin/env python3
"""Float reference embeddings of the encoder fidelity corpus (testdata/encoder/).

PyTorch float32 all-MiniLM-L6-v2 (BERT forward written out with torch.nn.functional from
model.safetensors, as sentence-transformers runs it: token type 0, absolute positions, exact-erf
GELU, mean pooling over the tokens, L2 normalisation). Token ids come from Hugging Face
`tokenizers` (BertWordPieceTokenizer(vocab.txt, lowercase=True), truncation to 256), so the test
measures the engine alone. Writes, next to corpus.txt:
  tokens.txt      one line per sentence: comma-separated token ids ([CLS] ... [SEP])
  embeddings.f16  float16 little-endian [sentences][384]: the reference embeddings
  nearest.txt     per sentence, the index of its nearest other sentence by float32 cosine

Usage (from the repository root):
  python3 -m venv .build-models/venv
  .build-models/venv/bin/pip install torch==2.13.0+cpu numpy safetensors tokenizers
  tools/models/fetch_minilm.sh
  .build-models/venv/bin/python tools/models/make_encoder_goldens.py .build-models/all-MiniLM-L6-v2 \
      [--build-corpus N [--source fortunes|info]] [--out DIR]
--build-corpus N rewrites corpus.txt with N fortunes from /usr/share/games/fortunes (Debian's
fortunes packages; what testdata/encoder holds: 1,200): each fortune joined to one line, 6 to 40
words, mostly letters, deduplicated case- and punctuation-insensitively, shuffled with seed 5;
--source info takes sentences of the GNU info manuals in /usr/share/info instead.
"""
import argparse, math, random, re, sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import BertWordPieceTokenizer

OUT = Path("testdata/encoder")
FORTUNES = ["computers", "science", "fortunes", "linux", "education", "wisdom", "work", "people",
            "literature", "miscellaneous", "platitudes", "politics", "songs-poems", "cookie",
            "definitions", "humorists", "law", "zippy", "paradoxum", "food", "magic", "riddles",
            "goedel", "medicine", "pets", "art", "love", "news", "sports", "translate-me", "startrek",
            "kids", "knghtbrd", "men-women", "debian", "disclaimer", "linuxcookie", "perl", "tao", "firefly"]


def build_corpus(n):
    seen, out = set(), []
    for name in FORTUNES:
        path = Path("/usr/share/games/fortunes") / name
        if not path.exists():
            continue
        for fortune in path.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            lines = [l for l in fortune.split("\n") if not l.strip().startswith("--")]
            s = " ".join(" ".join(lines).split())
            if not s or any(ord(c) < 32 for c in s) or not 6 <= len(s.split()) <= 40:
                continue
            if sum(c.isalpha() for c in s) < 0.6 * len(s):
                continue
            key = re.sub(r"\W+", " ", s.lower()).strip()
            if key not in seen:
                seen.add(key)
                out.append(s)
    random.Random(5).shuffle(out)
    if len(out) < n:
        sys.exit(f"only {len(out)} fortunes found (install fortunes-min / fortune-mod data)")
    return out[:n]


INFO_MANUALS = ["coreutils", "diffutils", "find", "find.info-1", "find.info-2", "gnupg", "gnupg.info-1", "gnupg.info-2",
                "grep", "sed", "gzip", "wget", "bc", "ed", "gettext", "time", "bzip2", "rluserman"]


def build_info_corpus(n):
    """Sentences of the GNU info manuals Debian installs (/usr/share/info): prose paragraphs only
    (no menus, headers or indented examples), split at sentence ends, 6 to 50 words ending in a
    full stop, mostly letters, deduplicated, shuffled with seed 5."""
    import gzip
    seen, out = set(), []
    for name in INFO_MANUALS:
        path = Path("/usr/share/info") / (name + ".gz" if ".info" in name else name + ".info.gz")
        if not path.exists():
            continue
        text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
        for para in re.split(r"\n\s*\n", text):
            lines = para.split("\n")
            if any(l.startswith(("*", "File:", "   ", "\x1f", "Node:", "--")) for l in lines):
                continue
            s = " ".join(" ".join(lines).split())
            for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z])", s):
                if not 6 <= len(sent.split()) <= 50 or not sent.endswith("."):
                    continue
                if sum(c.isalpha() for c in sent) < 0.7 * len(sent) or any(c in sent for c in "\\{}"):
                    continue
                key = re.sub(r"\W+", " ", sent.lower()).strip()
                if key not in seen:
                    seen.add(key)
                    out.append(sent)
    random.Random(5).shuffle(out)
    if len(out) < n:
        sys.exit(f"only {len(out)} sentences found in /usr/share/info")
    return out[:n]


def forward(w, ids, cfg):
    h, heads = cfg["hidden"], cfg["heads"]
    d = h // heads
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (h,), w[p + ".weight"], w[p + ".bias"], cfg["eps"])
    lin = lambda x, p: x @ w[p + ".weight"].T + w[p + ".bias"]
    t = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    for l in range(cfg["layers"]):
        p = f"encoder.layer.{l}."
        q, k, v = (lin(x, p + "attention.self." + n).view(t, heads, d).transpose(0, 1) for n in ("query", "key", "value"))
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d), -1) @ v
        x = ln(lin(a.transpose(0, 1).reshape(t, h), p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        up = torch.nn.functional.gelu(lin(x, p + "intermediate.dense"))
        x = ln(lin(up, p + "output.dense") + x, p + "output.LayerNorm")
    e = x.mean(0)
    return e / e.norm().clamp_min(1e-12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path)
    ap.add_argument("--build-corpus", type=int)
    ap.add_argument("--source", choices=["fortunes", "info"], default="fortunes")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.build_corpus:
        corpus = (build_corpus if args.source == "fortunes" else build_info_corpus)(args.build_corpus)
        (out / "corpus.txt").write_text("\n".join(corpus) + "\n", encoding="utf-8")
    sentences = (out / "corpus.txt").read_text(encoding="utf-8").splitlines()

    import json
    c = json.loads((args.model / "config.json").read_text())
    cfg = dict(hidden=c["hidden_size"], heads=c["num_attention_heads"], layers=c["num_hidden_layers"], eps=c["layer_norm_eps"])
    w = load_file(str(args.model / "model.safetensors"))
    tok = BertWordPieceTokenizer(str(args.model / "vocab.txt"), lowercase=True)
    tok.enable_truncation(256)
    ids = [tok.encode(s).ids for s in sentences]
    torch.set_num_threads(1)
    with torch.no_grad():
        e = torch.stack([forward(w, torch.tensor(i), cfg) for i in ids]).numpy().astype(np.float32)
    s = e @ e.T
    np.fill_diagonal(s, -2)
    nearest = s.argmax(1)
    (out / "tokens.txt").write_text("".join(",".join(map(str, i)) + "\n" for i in ids))
    (out / "embeddings.f16").write_bytes(e.astype("<f2").tobytes())
    (out / "nearest.txt").write_text("".join(f"{n}\n" for n in nearest))
    print(f"{len(sentences)} sentences, {sum(map(len, ids))} tokens, dim {e.shape[1]} -> {out}")


if __name__ == "__main__":
    main()
