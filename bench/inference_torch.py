#!/usr/bin/python3
"""PyTorch side of bench/inference.ts: time a checkpoint's forward pass (BertForSequenceClassification,
scripts/models/bert.py, the same weights the ONNX bundle holds) on a random [batch, tokens] id batch.
Prints JSON {"seconds": [...], "threads": N, "device": ..., "dtype": ...}.

Usage: /usr/bin/python3 bench/inference_torch.py CHECKPOINT --batch B --tokens T --reps R [--threads N] [--device cpu|cuda] [--fp16]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from models.bert import BertConfig, BertForSequenceClassification  # noqa: E402
from export.bundle import load_state_dict  # noqa: E402
from export.export_hf import normalise_names  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--fp16", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(os.path.join(a.checkpoint, "config.json")))
    model = BertForSequenceClassification(BertConfig(**cfg))
    sd, _ = load_state_dict(a.checkpoint)
    model.load_state_dict({k: v for k, v in normalise_names(sd).items() if k in model.state_dict()}, strict=False)
    model.eval().to(a.device)
    if a.fp16:
        model.half()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, cfg["vocab_size"], (a.batch, a.tokens), generator=g).to(a.device)
    mask = torch.ones_like(ids)
    out = []
    with torch.inference_mode():
        model(ids, mask)  # warm-up
        for _ in range(a.reps):
            if a.device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            model(ids, mask)
            if a.device == "cuda":
                torch.cuda.synchronize()
            out.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": out, "threads": a.threads, "device": a.device, "dtype": "float16" if a.fp16 else "float32",
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
