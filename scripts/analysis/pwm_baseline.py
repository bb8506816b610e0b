#!/usr/bin/python3
"""JASPAR MA0139.1 baseline for the CTCF task: score = best log-odds over the sequence, both strands.

Log-odds with a pseudocount of 0.8 split over the 4 bases (JASPAR's default) against a uniform
background. Prints AUROC / AUPRC / MCC (MCC at the threshold that maximises MCC on validation) as JSON.

Usage: /usr/bin/python3 scripts/analysis/pwm_baseline.py [--split data/ctcf/split.tsv]
"""
import argparse
import json
import os

import numpy as np
from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score

import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from data.ctcf_split import load_sets, load_split
from common.paths import DATA



def read_jaspar(path):
    rows = {}
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith(">"):
                continue
            base, rest = line.split(None, 1)
            rows[base] = [float(x) for x in rest.strip("[] ").split()]
    counts = np.array([rows[b] for b in "ACGT"])  # 4 x L
    probs = (counts + 0.2) / (counts.sum(axis=0) + 0.8)
    return np.log2(probs / 0.25)


def placement_scores(seq, lo):
    """Log-odds of every motif placement (start 0 … len − L), the better of the two strands; an N scores the
    column minimum, so an N never makes a hit. Empty when the sequence is shorter than the motif."""
    idx = np.frombuffer(seq.encode(), dtype=np.uint8)
    lut = np.full(256, 4, dtype=np.int64)
    for i, b in enumerate(b"ACGT"):
        lut[b] = i
    x = lut[idx]
    L = lo.shape[1]
    if len(x) < L:
        return np.zeros(0)
    lo5 = np.vstack([lo, lo.min(axis=0)])
    rc_lo5 = np.vstack([lo[::-1, ::-1], lo.min(axis=0)[::-1]])
    win = np.lib.stride_tricks.sliding_window_view(x, L)
    cols = np.arange(L)
    return np.maximum(lo5[win, cols].sum(axis=1), rc_lo5[win, cols].sum(axis=1))


def best_score(seq, lo):
    return float(placement_scores(seq, lo).max())


def metrics(y, s, threshold):
    return {"auroc": round(float(roc_auc_score(y, s)), 4),
            "auprc": round(float(average_precision_score(y, s)), 4),
            "mcc": round(float(matthews_corrcoef(y, np.asarray(s) >= threshold)), 4),
            "n": int(len(y)), "positives": int(sum(y))}


def best_mcc_threshold(y, s):
    cands = np.unique(s)
    best = max(cands, key=lambda t: matthews_corrcoef(y, np.asarray(s) >= t))
    return float(best)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default=os.path.join(DATA, "ctcf", "split.tsv"))
    ap.add_argument("--jaspar", default=os.path.join(DATA, "MA0139.1.jaspar"))
    args = ap.parse_args()
    names, seqs, labels = load_sets(os.path.join(DATA, "ctcf"))
    split = load_split(args.split)
    lo = read_jaspar(args.jaspar)
    out = {}
    by = {}
    for name, seq, y in zip(names, seqs, labels):
        part = by.setdefault(split[name], ([], []))
        part[0].append(y)
        part[1].append(best_score(seq, lo))
    t = best_mcc_threshold(*by["valid"])
    for tag in ("valid", "test"):
        out[tag] = metrics(*by[tag], t)
    out["threshold_log_odds"] = round(t, 3)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
