"""Small shared helpers for grover's Python scripts (training and export; never used at run time)."""
import gzip
import json
import os
import random


def read_fasta(path):
    """Yield (name, SEQUENCE) pairs; sequences are upper-cased as grover's model sees them."""
    opener = gzip.open if path.endswith(".gz") else open
    name, parts = None, []
    with opener(path, "rt") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(parts).upper()
                name, parts = line[1:].split()[0], []
            else:
                parts.append(line)
    if name is not None:
        yield name, "".join(parts).upper()


_COMP = str.maketrans("ACGTN", "TGCAN")


def revcomp(seq):
    return seq.translate(_COMP)[::-1]


def acgt_chunks(seq, size):
    """Cut a sequence into chunks of `size` bp that contain only A/C/G/T (N stretches split them)."""
    out = []
    for run in seq.replace("N", " ").split():
        for i in range(0, len(run) - size + 1, size):
            out.append(run[i:i + size])
    return out


def grouped_split(seqs, fractions, seed, k=50, max_share=4):
    """Split sequence indices into len(fractions) parts, keeping sequences that share a k-mer together.

    Union-find over shared k-mers (both strands), then whole groups are dealt out, largest first, to the
    part furthest below its target size (ties broken by a seeded shuffle), so that no held-out sequence
    overlaps a training one (the CTCF sets contain neighbouring, overlapping windows).
    A k-mer found in more than `max_share` sequences is a repeat (a microsatellite or a young
    transposon), not an overlap of neighbouring windows, and links nothing: linking on it would chain
    unrelated sequences into one giant group.
    """
    parent = list(range(len(seqs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holders = {}
    for i, s in enumerate(seqs):
        seen = set()
        for strand in (s, revcomp(s)):
            for j in range(0, len(strand) - k + 1):
                seen.add(hash(strand[j:j + k]))
        for h in seen:
            lst = holders.get(h)
            if lst is None:
                holders[h] = [i]
            elif len(lst) <= max_share:
                lst.append(i)
    for lst in holders.values():
        if 1 < len(lst) <= max_share:
            a = find(lst[0])
            for o in lst[1:]:
                b = find(o)
                if a != b:
                    parent[b] = a
    groups = {}
    for i in range(len(seqs)):
        groups.setdefault(find(i), []).append(i)
    order = sorted(groups.values(), key=lambda g: g[0])
    random.Random(seed).shuffle(order)
    order.sort(key=len, reverse=True)  # stable: equal sizes keep the seeded order
    targets = [f * len(seqs) for f in fractions]
    parts = [[] for _ in fractions]
    for g in order:
        idx = max(range(len(parts)), key=lambda p: (targets[p] - len(parts[p])) / targets[p])
        parts[idx].extend(g)
    return [sorted(p) for p in parts], len(groups)


def write_json(path, obj):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=2)
        fh.write("\n")
