#!/usr/bin/env python3
"""Asks a running emberd for what it serves, then classifies images or embeds texts.

    python3 example.py --endpoint ipc:///run/ember/emberd.sock --model mobilenetv2 cat.jpg coffee.png
    python3 example.py --model minilm --text "a sentence to embed" --text "and another"
"""
import argparse
import math
import sys

from ember_client import EmberClient, EmberError


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="ipc:///run/ember/emberd.sock")
    parser.add_argument("--model", help="model name (default: the first one emberd serves)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--text", action="append", default=[], help="text to embed (repeatable)")
    parser.add_argument("images", nargs="*")
    args = parser.parse_args()

    with EmberClient(args.endpoint) as ember:
        models = ember.models()
        print("emberd serves:", ", ".join(f"{m['name']} ({m['kind']})" for m in models))
        model = args.model or models[0]["name"]
        try:
            for path in args.images:
                print(f"{path}:")
                for entry in ember.classify(model, path, top_k=args.top_k):
                    print(f"  {entry['score']:.4f}  {entry.get('label', entry['index'])}")
            # Several texts go in one request (embed_many), which emberd runs together.
            vectors = ember.embed_many(model, args.text) if len(args.text) > 1 else [ember.embed(model, t) for t in args.text]
            for text, vector in zip(args.text, vectors):
                norm = math.sqrt(sum(v * v for v in vector))
                print(f"{text!r}: {len(vector)} floats, norm {norm:.4f}, first {vector[:4]}")
        except EmberError as error:
            print(f"emberd answered {error.code}: {error.message}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
