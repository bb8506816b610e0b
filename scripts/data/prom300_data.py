#!/usr/bin/python3
"""Prom300 (TATA): human promoter vs non-promoter 300-bp sequences, as DeePromoter, DNABERT's Prom-300 and
GUE's prom_300_tata build them.

Positives: data/prom300/hs_pos_TATA.txt — 2,929 human TATA-box promoters from EPDnew, 300 bp each
(−249 … +50 around the TSS), as distributed by egochao/DeePromoter (MIT). Negatives, made here with a
fixed seed by DeePromoter's construction: each positive is cut into 20 parts of 15 bp, 8 parts (chosen
at random) are kept and the other 12 replaced by random bases. A negative therefore shares 40% of its
bases with its positive, so each pair stays on one side of the split (70/15/15 of the pairs, seed 7).

sets() gives the three parts in memory (scripts/train/train_prom300.py trains from it); main() writes the test
part for grover's tests and demo: data/prom300/prom300_test.fa (records >prom_i / >nonprom_i) and
data/prom300/prom300_test.truth.bed (the test positives, for grover evaluate).
Usage: /usr/bin/python3 scripts/data/prom300_data.py
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.paths import DATA

DIR = os.path.join(DATA, "prom300")


def negative(seq, rng, parts=20, keep=8):
    n = len(seq) // parts
    kept = set(rng.sample(range(parts), keep))
    out = []
    for i in range(parts):
        piece = seq[i * n:(i + 1) * n if i < parts - 1 else len(seq)]
        out.append(piece if i in kept else "".join(rng.choice("ACGT") for _ in piece))
    return "".join(out)


def load():
    """[(name, sequence, label)] in a fixed order: prom_i and its nonprom_i next to each other."""
    with open(os.path.join(DIR, "hs_pos_TATA.txt")) as fh:
        pos = [line.strip().upper() for line in fh if line.strip()]
    rng = random.Random(2024)
    out = []
    for i, s in enumerate(pos):
        out.append((f"prom_{i}", s, 1))
        out.append((f"nonprom_{i}", negative(s, rng), 0))
    return out


def split(n_pairs, seed=7):
    idx = list(range(n_pairs))
    random.Random(seed).shuffle(idx)
    a, b = int(0.7 * n_pairs), int(0.85 * n_pairs)
    side = {}
    for k, i in enumerate(idx):
        side[i] = "train" if k < a else "valid" if k < b else "test"
    return side


def sets():
    data = load()
    side = split(len(data) // 2)
    out = {"train": [], "valid": [], "test": []}
    for name, s, y in data:
        out[side[int(name.split("_")[1])]].append((name, s, y))
    return out


def main():
    parts = sets()
    rows = parts["test"]
    with open(os.path.join(DIR, "prom300_test.fa"), "w") as fh:
        for name, s, _ in rows:
            fh.write(f">{name}\n{s}\n")
    with open(os.path.join(DIR, "prom300_test.truth.bed"), "w") as fh:
        for name, s, y in rows:
            if y:
                fh.write(f"{name}\t0\t{len(s)}\n")
    print({k: len(v) for k, v in parts.items()})


if __name__ == "__main__":
    main()
