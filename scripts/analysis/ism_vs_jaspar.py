#!/usr/bin/python3
"""Does the ctcf model look at the CTCF motif? For CTCF-bound test sequences, run
`grover mutagenesis` over the central bases, take the 19-bp stretch with the largest importance
(−mean Δ summed) and ask whether it overlaps the JASPAR MA0139.1 best hit (both strands) in the same
stretch. Prints per-sequence rows and the overlap rate next to the rate a randomly placed 19-bp stretch
would reach (chance).

Usage: /usr/bin/python3 scripts/analysis/ism_vs_jaspar.py [--n 30] [--split test|valid] [--from 300 --to 700] [--model ctcf]
Needs a built grover; writes build/ctcf_SPLIT/SPLIT.fa (scripts/data/ctcf_test_set.py) when it is missing.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import read_fasta
from analysis.pwm_baseline import placement_scores, read_jaspar
from common.paths import ROOT, SCRIPTS



def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--from", dest="lo", type=int, default=300, help="0-based start of the mutated stretch in each 1-kb sequence")
    ap.add_argument("--to", dest="hi", type=int, default=700)
    ap.add_argument("--model", default="ctcf")
    ap.add_argument("--split", default="test", choices=["test", "valid"], help="the 1-kb split whose bound sequences are checked")
    ap.add_argument("--fasta", help="the split's FASTA (default build/ctcf_SPLIT/SPLIT.fa, written by scripts/data/ctcf_test_set.py when missing)")
    args = ap.parse_args()
    if args.fasta is None:
        args.fasta = os.path.join(ROOT, "build", f"ctcf_{args.split}", f"{args.split}.fa")
        if not os.path.exists(args.fasta):
            subprocess.run([sys.executable, os.path.join(SCRIPTS, "data", "ctcf_test_set.py"), os.path.dirname(args.fasta), "--split", args.split],
                           check=True, stdout=subprocess.DEVNULL)
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
        sc = placement_scores(seq, lo)[args.lo: args.hi - W + 1]
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
