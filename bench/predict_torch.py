#!/usr/bin/python3
"""The reference for `grover predict` with a one-hot scan model: PyTorch tiling windows in batches, as Selene
(`selene_sdk.predict`) and gReLU users scan a genome — same weights (read from the bundle's model.onnx),
same windows (--window every --stride bp, plus one window ending at each sequence's end; windows more than
half N skipped), both strands averaged, same threads.

  /usr/bin/python3 bench/predict_torch.py data/chr22_20M.fa [--model models/ctcf] [--window 1000 --stride 200]
        [--batch 64] [--threads 2] [--out scores.tsv]

Prints one JSON line: windows scored, seconds in the model loop, bp/s. --out writes chrom, start, end, score
(P(positive label), 4 decimals) for a check against grover's TSV.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from common.dna import read_fasta  # noqa: E402
from models.onehot import ScanCNN  # noqa: E402

LUT = np.full(256, 4, dtype=np.int64)
for i, b in enumerate(b"ACGT"):
    LUT[b] = i
EYE = np.vstack([np.eye(4, dtype=np.float32), np.full((1, 4), 0.25, dtype=np.float32)])


def load(bundle):
    meta = json.load(open(os.path.join(bundle, "grover.json")))
    arch = {k: v for k, v in meta["architecture"].items() if k not in ("type", "receptive_field", "parameters")}
    model = ScanCNN(arch)
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(os.path.join(bundle, meta["onnx"]["file"])).graph.initializer}
    model.load_state_dict({k: weights[k] for k in model.state_dict()})
    return model.eval(), meta


def windows(seq, window, stride):
    n = len(seq)
    if n <= window:
        return [(0, n)] if n else []
    out = [(s, s + window) for s in range(0, n - window + 1, stride)]
    if out[-1][1] < n:
        out.append((n - window, n))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fasta")
    ap.add_argument("--model", default=os.path.join(HERE, "..", "models", "ctcf"))
    ap.add_argument("--window", type=int)
    ap.add_argument("--stride", type=int)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, meta = load(a.model)
    W = a.window or meta["window"]
    S = a.stride or meta["stride"]
    pos = meta["labels"].index(meta["positive_label"])
    out = open(a.out, "w") if a.out else None
    n_windows = 0
    bp = 0
    t0 = time.time()
    with torch.inference_mode():
        for name, seq in read_fasta(a.fasta):
            bp += len(seq)
            codes = LUT[np.frombuffer(seq.encode(), dtype=np.uint8)]
            ws = [(s, e) for s, e in windows(seq, W, S) if (codes[s:e] == 4).sum() <= 0.5 * (e - s)]
            for i in range(0, len(ws), a.batch):
                part = ws[i:i + a.batch]
                x = torch.from_numpy(EYE[np.stack([codes[s:e] for s, e in part])])
                p = (torch.softmax(model(x), 1)[:, pos] + torch.softmax(model(x.flip(1).flip(2)), 1)[:, pos]) / 2
                n_windows += len(part)
                if out:
                    for (s, e), v in zip(part, p.tolist()):
                        out.write(f"{name}\t{s}\t{e}\t{v:.4f}\n")
    secs = time.time() - t0
    if out:
        out.close()
    print(json.dumps({"windows": n_windows, "bp": bp, "seconds": round(secs, 3), "bp_per_s": round(bp / secs), "window": W, "stride": S,
                      "batch": a.batch, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
