#!/usr/bin/env python3
"""onnxruntime's int8 all-MiniLM-L6-v2 beside Ember's, for tools/bench-encoder.sh.

Builds the float model as a torch module (nn.Linear layers, the same forward as
make_encoder_goldens.py, mean pooling and L2 normalisation inside the graph), exports it with
torch.onnx.export(dynamo=True), quantizes it with onnxruntime.quantization.quantize_dynamic
(per_channel=True, QInt8 weights: MatMulInteger; DynamicQuantizeLinear gives each linear's whole input
one uint8 scale and zero point, per tensor, where Ember has one per row), then times
batch-1 runs at each sequence length and thread count. Prints one line per case:
  ort TOKENS THREADS p50_ms min_ms
With --batch B (> 1) a second export takes [B, T] ids (sentences of one length, so nothing to
pad or mask: onnxruntime's best case) and each line gives the time per sentence of a B-sentence run. Its
embeddings depend on the batch: one activation scale spans all B sentences.
Usage: bench_encoder_ort.py MODEL_FOLDER WORKDIR --tokens 16,64,128 --threads 1,2 --runs N [--batch B]
       bench_encoder_ort.py MODEL_FOLDER WORKDIR --export-only   (the model alone, for
       tools/qemu-icount/count-inference.sh --encoder)
"""
import argparse, json, math, os, time
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
import numpy as np
import torch
from safetensors.torch import load_file


class Bert(torch.nn.Module):
    def __init__(self, folder):
        super().__init__()
        c = json.loads((folder / "config.json").read_text())
        self.h, self.heads, self.layers, self.eps = c["hidden_size"], c["num_attention_heads"], c["num_hidden_layers"], c["layer_norm_eps"]
        w = load_file(str(folder / "model.safetensors"))
        self.word = torch.nn.Parameter(w["embeddings.word_embeddings.weight"], requires_grad=False)
        self.pos = torch.nn.Parameter(w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0], requires_grad=False)
        def ln(p):
            m = torch.nn.LayerNorm(self.h, eps=self.eps)
            m.weight.data, m.bias.data = w[p + ".weight"], w[p + ".bias"]
            return m
        def lin(p):
            out, inp = w[p + ".weight"].shape
            m = torch.nn.Linear(inp, out)
            m.weight.data, m.bias.data = w[p + ".weight"], w[p + ".bias"]
            return m
        self.ln0 = ln("embeddings.LayerNorm")
        self.blocks = torch.nn.ModuleList()
        for l in range(self.layers):
            p = f"encoder.layer.{l}."
            self.blocks.append(torch.nn.ModuleDict(dict(
                q=lin(p + "attention.self.query"), k=lin(p + "attention.self.key"), v=lin(p + "attention.self.value"),
                o=lin(p + "attention.output.dense"), ln1=ln(p + "attention.output.LayerNorm"),
                up=lin(p + "intermediate.dense"), down=lin(p + "output.dense"), ln2=ln(p + "output.LayerNorm"))))

    def forward(self, ids):  # ids [1, T] int64
        t = ids.shape[1]
        d = self.h // self.heads
        x = self.ln0(self.word[ids[0]] + self.pos[:t])
        for b in self.blocks:
            split = lambda y: y.view(t, self.heads, d).transpose(0, 1)
            a = torch.softmax(split(b["q"](x)) @ split(b["k"](x)).transpose(1, 2) / math.sqrt(d), -1) @ split(b["v"](x))
            x = b["ln1"](b["o"](a.transpose(0, 1).reshape(t, self.h)) + x)
            x = b["ln2"](b["down"](torch.nn.functional.gelu(b["up"](x))) + x)
        e = x.mean(0, keepdim=True)
        return e / e.norm(dim=1, keepdim=True)


class BatchedBert(Bert):
    def forward(self, ids):  # ids [B, T] int64, every sentence T tokens
        bsz, t = ids.shape
        d = self.h // self.heads
        x = self.ln0(self.word[ids] + self.pos[:t])
        for b in self.blocks:
            split = lambda y: y.view(bsz, t, self.heads, d).transpose(1, 2)
            a = torch.softmax(split(b["q"](x)) @ split(b["k"](x)).transpose(2, 3) / math.sqrt(d), -1) @ split(b["v"](x))
            x = b["ln1"](b["o"](a.transpose(1, 2).reshape(bsz, t, self.h)) + x)
            x = b["ln2"](b["down"](torch.nn.functional.gelu(b["up"](x))) + x)
        e = x.mean(1)
        return e / e.norm(dim=1, keepdim=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--tokens", default="16,64,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--batch", type=int, default=1, help="sentences per run (> 1: the batched export)")
    ap.add_argument("--export-only", action="store_true", help="write the quantized model and stop")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    batched = args.batch > 1
    quantized = args.work / ("minilm-int8-per-channel-batched.onnx" if batched else "minilm-int8-per-channel.onnx")
    if not quantized.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic
        model = (BatchedBert if batched else Bert)(args.model).eval()
        float_path = args.work / ("minilm-float-batched.onnx" if batched else "minilm-float.onnx")
        ids = torch.randint(1000, 20000, (2 if batched else 1, 16))
        dims = {1: torch.export.Dim("tokens", min=2, max=512)}
        if batched:
            dims[0] = torch.export.Dim("batch", min=1, max=1024)
        torch.onnx.export(model, (ids,), str(float_path), dynamo=True, input_names=["input_ids"], output_names=["embedding"],
                          dynamic_shapes={"ids": dims})
        quantize_dynamic(str(float_path), str(quantized), per_channel=True, weight_type=QuantType.QInt8)
    if args.export_only:
        return
    import onnxruntime as ort
    rng = np.random.default_rng(5)
    for threads in map(int, args.threads.split(",")):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(quantized), options, providers=["CPUExecutionProvider"])
        for tokens in map(int, args.tokens.split(",")):
            ids = np.concatenate([[101], rng.integers(1000, 21000, tokens - 2), [102]]).astype(np.int64)[None, :]
            ids = np.repeat(ids, args.batch, axis=0)
            for _ in range(5):
                session.run(None, {"input_ids": ids})
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                session.run(None, {"input_ids": ids})
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            b = args.batch
            print(f"ort {tokens} {threads} {times[len(times) // 2] / b:.3f} {times[0] / b:.3f}", flush=True)


if __name__ == "__main__":
    main()
