#!/usr/bin/python3
"""Split the CTCF bound/unbound sets 70/15/15 (train/validation/test) with a fixed seed, keeping every
group of sequences that share a 50-mer (either strand) on one side, as data/README asks.

Usage: /usr/bin/python3 scripts/data/ctcf_split.py [--seed 13] > data/ctcf/split.tsv
       /usr/bin/python3 scripts/data/ctcf_split.py --set ctcf200 [--seed 13] > data/ctcf200/split.tsv
Output columns: name label split   (label 1 = CTCF-bound)

The 1-kb set (data/ctcf, files ctcf_bound.fa / ctcf_unbound.fa) and the 200-bp set (data/ctcf200,
ctcf200_bound.fa / ctcf200_unbound.fa) are split the same way, each on its own: no 200-bp sequence shares
a 50-mer with a 1-kb one (checked when the 200-bp split was made; `--set ctcf200` checks it again and
stops if one does).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import grouped_split, read_fasta, revcomp
from common.paths import DATA



def load_sets(root, prefix="ctcf"):
    """names, sequences, labels (1 = bound) of {prefix}_bound.fa then {prefix}_unbound.fa in root."""
    seqs, names, labels = [], [], []
    for fname, label in ((f"{prefix}_bound.fa", 1), (f"{prefix}_unbound.fa", 0)):
        for name, seq in read_fasta(os.path.join(root, fname)):
            names.append(name)
            seqs.append(seq)
            labels.append(label)
    return names, seqs, labels


def load_split(path):
    """{name: 'train' | 'valid' | 'test'} from a split.tsv."""
    with open(path) as fh:
        next(fh)
        return {n: s for n, _, s in (line.rstrip("\n").split("\t") for line in fh if line.strip())}


def kmers(seq, k=50):
    return {strand[j:j + k] for strand in (seq, revcomp(seq)) for j in range(len(strand) - k + 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--set", default="ctcf", choices=["ctcf", "ctcf200"])
    args = ap.parse_args()
    names, seqs, labels = load_sets(os.path.join(DATA, args.set), args.set)
    if args.set == "ctcf200":
        _, kb, _ = load_sets(os.path.join(DATA, "ctcf"))
        seen = set().union(*(kmers(s) for s in kb))
        shared = [n for n, s in zip(names, seqs) if kmers(s) & seen]
        if shared:
            sys.exit(f"ctcf_split.py: {len(shared)} 200-bp sequences share a 50-mer with the 1-kb set ({shared[0]}, …): "
                     "they would need one split; extend this script before splitting")
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
