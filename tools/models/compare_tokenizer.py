#!/usr/bin/env python3
"""Compares EmberTokenizer with Hugging Face tokenizers on any text files, line by line, without
storing goldens: a wider net than the committed corpus (e.g. every line of Debian's fortunes).

    tools/bench-tokenizer.sh                      # builds .build/bench/bench_tokenizer
    .build-tokenizer-venv/bin/python tools/models/compare_tokenizer.py [--mode lower-strip] FILE...

Prints the number of lines compared and the first few that differ; exit 1 if any.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from make_tokenizer_goldens import MODES, ROOT, encode_all, tokenizer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", default="lower-strip", choices=sorted(MODES))
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    lines = []
    for path in args.files:
        with open(path, "rb") as f:
            # Invalid UTF-8 becomes U+FFFD, which both sides drop; Swift gets the same text.
            lines += f.read().decode("utf-8", errors="replace").split("\n")
    with tempfile.NamedTemporaryFile("wb", suffix=".txt") as tmp:
        tmp.write("\n".join(lines).encode())
        tmp.flush()
        out = subprocess.run([os.path.join(ROOT, ".build/bench/bench_tokenizer"), ROOT, "--ids", args.mode, tmp.name],
                             check=True, capture_output=True).stdout.decode()
    got = [[int(x) for x in l.split()] for l in out.split("\n")[:-1]]
    want = encode_all(tokenizer(args.mode), lines)
    assert len(got) == len(want), (len(got), len(want))
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    print(f"{len(lines)} lines, {sum(map(len, want))} pieces, mode {args.mode}: {len(bad)} differ", file=sys.stderr)
    for i in bad[:5]:
        print(f"line {i + 1}: {lines[i]!r}\n  hf:    {want[i]}\n  ember: {got[i]}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
