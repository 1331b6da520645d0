#!/usr/bin/env python3
"""Writes Sources/EmberTokenizer/UnicodeTables.swift: the per-code-point data EmberTokenizer needs to
reproduce Hugging Face `tokenizers`' BertNormalizer + BertPreTokenizer exactly.

The tables are probed from the reference implementation itself, one code point at a time, rather than
taken from a Unicode database: `tokenizers` mixes several Unicode versions (Rust's std for lowercase
and White_Space, the old `unicode_categories` crate for control / punctuation / nonspacing marks, the
`unicode-normalization-alignments` crate for NFD), and Swift's stdlib has yet another version.

Run from the repository root with the venv of make_tokenizer_goldens.py:
    .build-tokenizer-venv/bin/python tools/models/gen_tokenizer_tables.py [--check]
(--check: compare with the committed file, write nothing; exit 1 if it differs)
"""
import sys
import unicodedata

import tokenizers
from tokenizers import NormalizedString
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

OUT = "Sources/EmberTokenizer/UnicodeTables.swift"

DROP, SPACE, CJK, PUNCT, MARK = 1, 2, 4, 8, 16
HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172

clean = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
lower = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=True)
strip = BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
both = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True)
pretok = BertPreTokenizer()


def scalars():
    for cp in range(0x110000):
        if not 0xD800 <= cp < 0xE000:
            yield cp


def nfd(s):
    n = NormalizedString(s)
    n.nfd()
    return n.normalized


def hangul_nfd(cp):
    s = cp - HANGUL_FIRST
    lead, vowel, trail = 0x1100 + s // 588, 0x1161 + (s % 588) // 28, 0x11A7 + s % 28
    return chr(lead) + chr(vowel) + (chr(trail) if trail != 0x11A7 else "")


def pack(s):
    """Up to three scalars in one UInt64 (21 bits each); U+0000 never occurs in an output."""
    assert 1 <= len(s) <= 3 and "\0" not in s, repr(s)
    v = 0
    for i, ch in enumerate(s):
        v |= ord(ch) << (21 * i)
    return v


def main():
    flags = {}
    lower_map, strip_map = {}, {}
    pretok_space = set()
    for cp in scalars():
        c = chr(cp)
        f = 0
        cleaned = clean.normalize_str(c)
        if cleaned == "":
            f |= DROP
        elif cleaned == " ":
            f |= SPACE
        elif cleaned == f" {c} ":
            f |= CJK
        else:
            assert cleaned == c, hex(cp)
        pieces = pretok.pre_tokenize_str(f"a{c}a")
        if len(pieces) == 3:
            f |= PUNCT
        elif len(pieces) == 2:  # the pre-tokenizer's whitespace is cleaned away before it runs
            assert f & (SPACE | DROP), hex(cp)
            pretok_space.add(cp)
        flags[cp] = f
        if f & (DROP | SPACE):
            continue  # the cleaner removes or replaces it before any mapping
        l = lower.normalize_str(c)
        s = strip.normalize_str(c)
        if s == "":
            flags[cp] |= MARK
        elif HANGUL_FIRST <= cp < HANGUL_FIRST + HANGUL_COUNT:
            assert s == hangul_nfd(cp), hex(cp)
        elif s != c:
            strip_map[cp] = s
        if l != c:
            lower_map[cp] = l
        # Lowercasing and stripping work scalar by scalar: stripping then lowercasing each result
        # must give what the whole normalizer gives (the cleaner aside).
        if not f & CJK:
            assert both.normalize_str(c) == "".join(lower.normalize_str(x) for x in s), hex(cp)
    # Outputs of the mappings are never whitespace or dropped again (the normalizer cleans first).
    for m in list(lower_map.values()) + list(strip_map.values()):
        for ch in m:
            assert ord(ch) not in pretok_space, repr(m)

    # Canonical combining classes as the NFD crate sees them (its tables are older than Python's):
    # NFD moves a mark before the preceding one iff its class is lower and not 0. Python's class is
    # taken where the crate reorders the mark at all, and checked against one old mark per class.
    python_ccc = {cp: unicodedata.combining(chr(cp)) for cp in scalars() if unicodedata.combining(chr(cp))}

    def swaps(x, y):
        return nfd("a" + chr(x) + chr(y)) == "a" + chr(y) + chr(x)

    lo, hi = 0x0334, 0x0345  # classes 1 and 240, as old as NFD
    assert (python_ccc[lo], python_ccc[hi]) == (1, 240) and swaps(hi, lo) and not swaps(lo, hi)

    def known(cp):  # the crate gives it a class other than 0
        return nfd(chr(cp)) == chr(cp) and (swaps(hi, cp) or swaps(cp, lo))

    refs = {}
    for cp, k in sorted(python_ccc.items()):
        if k not in refs and known(cp):
            refs[k] = cp
    classes = sorted(refs)
    ccc = {}
    for cp, k in python_ccc.items():
        if not known(cp):
            continue  # decomposes (its parts carry the classes) or too new: class 0 for the crate
        for r in (r for r in classes if refs[r] != cp):
            assert swaps(cp, refs[r]) == (k > r) and swaps(refs[r], cp) == (r > k), (hex(cp), r)
        ccc[cp] = k
    # Stripping reorders marks before lowercasing; EmberTokenizer lowercases as it goes, which is the
    # same as long as lowercasing never changes or produces a mark with a class.
    for cp, m in lower_map.items():
        assert cp not in ccc and not any(ord(ch) in ccc for ch in m) or cp == 0x130, hex(cp)
    assert strip_map[0x130] == "I"

    write(flags, lower_map, strip_map, ccc)


def ranges(values):
    """(start, value) at every change of value over all scalars, surrogates taking the previous value."""
    out, prev = [], None
    for cp in range(0x110000):
        v = values.get(cp, prev if 0xD800 <= cp < 0xE000 else 0)
        if v != prev:
            out.append((cp, v))
            prev = v
    return out


def swift_array(name, typ, items, per_line=12, fmt="0x{:X}"):
    lines = [f"    static let {name}: [{typ}] = ["]
    for i in range(0, len(items), per_line):
        lines.append("        " + ", ".join(fmt.format(x) for x in items[i:i + per_line]) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def write(flags, lower_map, strip_map, ccc):
    fr = ranges(flags)
    cr = ranges(ccc)
    lk = sorted(lower_map)
    sk = sorted(strip_map)
    parts = [
        f"// Generated by tools/models/gen_tokenizer_tables.py from Hugging Face tokenizers {tokenizers.__version__}",
        "// (probed per code point, see the script). Do not edit.",
        "",
        "enum UnicodeTables {",
        "    /// Flags of each scalar: the range starting at flagStarts[i] has flagValues[i].",
        swift_array("flagStarts", "UInt32", [s for s, _ in fr]),
        swift_array("flagValues", "UInt8", [v for _, v in fr], per_line=24, fmt="{}"),
        "    /// Lowercase mappings that are not the identity, up to three scalars packed 21 bits each.",
        swift_array("lowerKeys", "UInt32", lk),
        swift_array("lowerValues", "UInt64", [pack(lower_map[k]) for k in lk], per_line=6),
        "    /// NFD then nonspacing marks removed, where not the identity, not empty and not Hangul.",
        swift_array("stripKeys", "UInt32", sk),
        swift_array("stripValues", "UInt64", [pack(strip_map[k]) for k in sk], per_line=6),
        "    /// Canonical combining classes (NFD's reordering): range starts and classes.",
        swift_array("cccStarts", "UInt32", [s for s, _ in cr]),
        swift_array("cccValues", "UInt8", [v for _, v in cr], per_line=24, fmt="{}"),
        "}",
        "",
    ]
    text = "\n".join(parts)
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{OUT} differs from what the oracle gives")
        print(f"{OUT} is up to date", file=sys.stderr)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{OUT}: {len(fr)} flag ranges, {len(lk)} lowercase and {len(sk)} strip mappings, "
          f"{len(ccc)} marks in {len(cr)} class ranges", file=sys.stderr)


if __name__ == "__main__":
    main()
