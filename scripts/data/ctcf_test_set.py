#!/usr/bin/python3
"""Write one split of the CTCF set as a FASTA (one 1-kb sequence per record) and a BED of its
CTCF-bound sequences, so the shipped ctcf model can be run and evaluated with grover itself:

  /usr/bin/python3 scripts/data/ctcf_test_set.py build/ctcf_test          # test split (600 sequences)
  grover predict build/ctcf_test/test.fa --window 1000 --stride 1000 --threshold 0 -f tsv -o build/ctcf_test/scores.tsv
  grover evaluate build/ctcf_test/scores.tsv --truth build/ctcf_test/bound.bed --plot build/ctcf_test/roc.svg

Usage: /usr/bin/python3 scripts/data/ctcf_test_set.py OUTDIR [--split test|valid|train]
"""
import argparse
import os

import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from data.ctcf_split import load_sets, load_split
from common.paths import DATA

CTCF = os.path.join(DATA, "ctcf")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--split", default="test", choices=["train", "valid", "test"])
    args = ap.parse_args()
    split = load_split(os.path.join(CTCF, "split.tsv"))
    names, seqs, labels = load_sets(CTCF)
    os.makedirs(args.outdir, exist_ok=True)
    fa = os.path.join(args.outdir, f"{args.split}.fa")
    bed = os.path.join(args.outdir, "bound.bed")
    n = 0
    with open(fa, "w") as f, open(bed, "w") as b:
        for name, seq, y in zip(names, seqs, labels):
            if split[name] != args.split:
                continue
            f.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                f.write(seq[i:i + 60] + "\n")
            if y:
                b.write(f"{name}\t0\t{len(seq)}\n")
            n += 1
    print(f"{fa}: {n} sequences; {bed}: the CTCF-bound ones")


if __name__ == "__main__":
    main()
