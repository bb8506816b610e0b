#!/usr/bin/python3
"""Split the CTCF bound/unbound sets 70/15/15 (train/validation/test) with a fixed seed, keeping every
group of sequences that share a 50-mer (either strand) on one side, as data/README asks.

Usage: /usr/bin/python3 scripts/ctcf_split.py [--seed 13] > data/ctcf/split.tsv
Output columns: name label split   (label 1 = CTCF-bound)
"""
import argparse
import os
import sys

from dna import grouped_split, read_fasta

HERE = os.path.dirname(os.path.abspath(__file__))


def load_sets(root):
    seqs, names, labels = [], [], []
    for fname, label in (("ctcf_bound.fa", 1), ("ctcf_unbound.fa", 0)):
        for name, seq in read_fasta(os.path.join(root, fname)):
            names.append(name)
            seqs.append(seq)
            labels.append(label)
    return names, seqs, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data", "ctcf"))
    args = ap.parse_args()
    names, seqs, labels = load_sets(args.data)
    parts, n_groups = grouped_split(seqs, [0.70, 0.15, 0.15], args.seed)
    split = {}
    for part, tag in zip(parts, ("train", "valid", "test")):
        for i in part:
            split[i] = tag
    print("name\tlabel\tsplit")
    for i, name in enumerate(names):
        print(f"{name}\t{labels[i]}\t{split[i]}")
    for tag, part in zip(("train", "valid", "test"), parts):
        pos = sum(labels[i] for i in part)
        print(f"{tag}: {len(part)} sequences ({pos} bound)", file=sys.stderr)
    print(f"{n_groups} groups of overlapping sequences from {len(seqs)}", file=sys.stderr)


if __name__ == "__main__":
    main()
