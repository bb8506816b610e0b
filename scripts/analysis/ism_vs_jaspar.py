#!/usr/bin/python3
"""Does the ctcf model look at the CTCF motif? For CTCF-bound test sequences, run
`grover mutagenesis` over the central bases, take the 19-bp stretch with the largest importance
(−mean Δ summed) and ask whether it overlaps the JASPAR MA0139.1 best hit (both strands) in the same
stretch. Prints per-sequence rows and the overlap rate next to the rate a randomly placed 19-bp stretch
would reach (chance).

Usage: /usr/bin/python3 scripts/analysis/ism_vs_jaspar.py [--n 30] [--from 300 --to 700] [--model ctcf]
Needs a built grover; writes build/ctcf_test/test.fa (scripts/data/ctcf_test_set.py) when it is missing.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import read_fasta
from analysis.pwm_baseline import read_jaspar
from common.paths import ROOT, SCRIPTS



def pwm_scores(seq, lo):
    lut = np.full(256, 4, dtype=np.int64)
    for i, b in enumerate(b"ACGT"):
        lut[b] = i
    x = lut[np.frombuffer(seq.encode(), dtype=np.uint8)]
    L = lo.shape[1]
    lo5 = np.vstack([lo, lo.min(axis=0)])
    rc5 = np.vstack([lo[::-1, ::-1], lo.min(axis=0)[::-1]])
    w = np.lib.stride_tricks.sliding_window_view(x, L)
    c = np.arange(L)
    return np.maximum(lo5[w, c].sum(axis=1), rc5[w, c].sum(axis=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--from", dest="lo", type=int, default=300, help="0-based start of the mutated stretch in each 1-kb sequence")
    ap.add_argument("--to", dest="hi", type=int, default=700)
    ap.add_argument("--model", default="ctcf")
    ap.add_argument("--fasta", default=os.path.join(ROOT, "build", "ctcf_test", "test.fa"))
    args = ap.parse_args()
    if not os.path.exists(args.fasta):
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "data", "ctcf_test_set.py"), os.path.dirname(args.fasta)], check=True, stdout=subprocess.DEVNULL)
    lo = read_jaspar(os.path.join(ROOT, "data", "MA0139.1.jaspar"))
    W = lo.shape[1]
    seqs = [(n, s) for n, s in read_fasta(args.fasta) if n.startswith("bound_")][: args.n]
    hits = 0
    rows = []
    for name, seq in seqs:
        out = subprocess.run(["node", os.path.join(ROOT, "bin", "run.js"), "mutagenesis", args.fasta, f"{name}:{args.lo + 1}-{args.hi}",
                              "--model", args.model, "-q"], capture_output=True, text=True, check=True).stdout
        delta = {}
        for line in out.strip().split("\n")[1:]:
            f = line.split("\t")
            delta.setdefault(int(f[1]) - 1, []).append(float(f[6]))
        pos = sorted(delta)
        imp = np.array([-np.mean(delta[p]) for p in pos])
        sums = np.convolve(imp, np.ones(W), mode="valid")
        s0 = pos[int(np.argmax(sums))]
        sc = pwm_scores(seq, lo)[args.lo: args.hi - W + 1]
        h0 = args.lo + int(np.argmax(sc))
        overlap = s0 < h0 + W and h0 < s0 + W
        hits += overlap
        rows.append({"name": name, "ism_stretch": [s0, s0 + W], "jaspar_hit": [h0, h0 + W], "jaspar_log_odds": round(float(sc.max()), 2), "overlap": bool(overlap)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    span = args.hi - args.lo - W + 1
    chance = (2 * W - 1) / span  # a uniformly placed stretch overlaps a fixed hit (edges ignored)
    print(json.dumps({"sequences": len(rows), "overlaps": hits, "rate": round(hits / len(rows), 3), "chance": round(chance, 3), "model": args.model,
                      "stretch": [args.lo, args.hi]}))


if __name__ == "__main__":
    main()
