#!/usr/bin/python3
"""Make the tiny test bundle: a small BPE tokenizer learnt on the real chr22 slice and a BERT-shaped
classifier with RANDOM weights (untrained), exported to ONNX. Deterministic (fixed seeds).

Usage: /usr/bin/python3 scripts/make_fixtures.py OUT_DIR [--name tiny-ctcf]
Writes OUT_DIR/{model.onnx, tokenizer.json, grover.json, weights.safetensors}. Used by the tests (test/fixtures/tiny-ctcf).
"""
import argparse
import os
import sys

import torch

from bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, export_attentions_onnx, export_onnx, init_weights
from dna import acgt_chunks, read_fasta, write_json
from learn_bpe import learn, tokenizer_json
from safetensors_io import save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--name", default="tiny-ctcf")
    ap.add_argument("--merges", type=int, default=60)
    ap.add_argument("--task", default="classification", choices=["classification", "masked-lm"])
    ap.add_argument("--attentions", action="store_true", help="also write model-attn.onnx (for grover attention)")
    args = ap.parse_args()
    torch.manual_seed(0)
    fasta = os.path.join(HERE, "..", "data", "chr22_20M.fa")
    chunks = []
    for _, seq in read_fasta(fasta):
        chunks.extend(acgt_chunks(seq[:100_000], 1000))
    tokens, merges = learn(chunks, args.merges, log=None)
    tok = tokenizer_json(tokens, merges)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "tokenizer.json"), tok)
    vocab_size = len(tok["model"]["vocab"])
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512, num_labels=2)
    model = BertForSequenceClassification(cfg) if args.task == "classification" else BertForMaskedLM(cfg)
    init_weights(model, std=0.2)  # large random weights so scores spread over (0, 1)
    if args.task == "masked-lm":
        model.tie_weights()
    export_onnx(model, args.task, os.path.join(args.out, "model.onnx"))
    if args.attentions:
        export_attentions_onnx(model, os.path.join(args.out, "model-attn.onnx"))
    # The same weights with Hugging Face names, for PyTorch reference values (scripts/fixture_reference.py).
    save_file(model.state_dict(), os.path.join(args.out, "weights.safetensors"), metadata={"format": "pt"})
    task_fields = {"labels": ["unbound", "bound"], "positive_label": "bound", "threshold": 0.5} \
        if args.task == "classification" else {}
    write_json(os.path.join(args.out, "grover.json"), {
        "format": 1,
        "name": args.name,
        "task": args.task,
        "description": f"TEST FIXTURE: BERT-shaped {args.task} model with random, untrained weights. Its outputs mean nothing.",
        "trained": False,
        **task_fields,
        "window": 1000,
        "stride": 500,
        "max_tokens": 512,
        "tokenizer": {"kind": "bpe", "file": "tokenizer.json"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32",
                 **({"attentions_file": "model-attn.onnx"} if args.attentions else {})},
        "architecture": {"type": "bert", **{k: v for k, v in cfg.to_dict().items() if k != "model_type"}},
        "provenance": "made by scripts/make_fixtures.py (random weights, seed 0; tokenizer learnt with "
                      f"{args.merges} merges on the first 100 kb of data/chr22_20M.fa)",
        "license": "MIT",
        "metrics": {},
    })
    print(f"wrote {args.out}: vocab {vocab_size}", file=sys.stderr)


if __name__ == "__main__":
    main()
