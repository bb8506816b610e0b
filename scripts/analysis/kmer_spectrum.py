#!/usr/bin/python3
"""Compare the k-mer spectrum of DNA (e.g. from `grover generate`) with real DNA.

Prints, for k = 1..4: the Pearson correlation of k-mer frequencies and the Jensen-Shannon divergence
(bits) between the two spectra, plus GC content and the CpG observed/expected ratio of each.
Usage: /usr/bin/python3 scripts/analysis/kmer_spectrum.py GENERATED.fa REAL.fa [--max-bp 1000000]
"""
import argparse
import itertools
import math

import numpy as np

import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import read_fasta


def spectrum(seqs, k):
    idx = {"".join(p): i for i, p in enumerate(itertools.product("ACGT", repeat=k))}
    counts = np.zeros(len(idx))
    for s in seqs:
        for j in range(len(s) - k + 1):
            i = idx.get(s[j:j + k])
            if i is not None:
                counts[i] += 1
    return counts / counts.sum()


def jsd(p, q):
    m = (p + q) / 2
    kl = lambda a, b: sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)
    return (kl(p, m) + kl(q, m)) / 2


def describe(seqs):
    s = "".join(seqs)
    acgt = sum(s.count(b) for b in "ACGT")
    gc = (s.count("G") + s.count("C")) / acgt
    cpg = s.count("CG") / max(1e-9, (s.count("C") * s.count("G")) / acgt)
    return gc, cpg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("generated")
    ap.add_argument("real")
    ap.add_argument("--max-bp", type=int, default=1_000_000)
    a = ap.parse_args()
    gen = [s for _, s in read_fasta(a.generated)]
    real, total = [], 0
    for _, s in read_fasta(a.real):
        for run in s.replace("N", " ").split():
            real.append(run)
            total += len(run)
        if total >= a.max_bp:
            break
    print(f"generated: {sum(map(len, gen))} bp in {len(gen)} sequences; real: {total} bp")
    for name, seqs in (("generated", gen), ("real", real)):
        gc, cpg = describe(seqs)
        print(f"{name}: GC {gc:.3f}, CpG observed/expected {cpg:.3f}")
    print("k\tpearson_r\tjs_divergence_bits")
    for k in range(1, 5):
        p, q = spectrum(gen, k), spectrum(real, k)
        print(f"{k}\t{np.corrcoef(p, q)[0, 1]:.3f}\t{jsd(p, q):.4f}")


if __name__ == "__main__":
    main()
