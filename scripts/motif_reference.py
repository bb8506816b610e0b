#!/usr/bin/python3
"""Reference values for grover motifs' tests, from tools nobody here wrote.

  scores MOTIFS FORMAT FASTA CHROM START END PSEUDOCOUNT A C G T
      Biopython's Bio.motifs PSSM log-odds of every motif at every position of FASTA's CHROM[START, END)
      (0-based), both strands: pseudocounts pseudocount × background per base (FIMO's rule), the same
      background, log2. One line per position and strand: motif_id start strand score. Positions whose
      site holds a non-ACGT base are left out (Biopython scores them nan). FORMAT: jaspar | minimal | homer.
  bh TSV
      Benjamini–Hochberg q-values (numpy, written from the definition) of the p-values in column 8 of a
      grover motifs BED read from TSV, per motif (column 4), given the number of tests per motif as
      "motif_id tests" lines on standard input. Prints one q-value per line, in the file's order.
"""
import sys

import numpy as np
from Bio import SeqIO, motifs


def read_motifs(path, fmt):
    with open(path) as fh:
        if fmt == "homer":
            return read_homer(fh)
        return list(motifs.parse(fh, fmt))


def read_homer(fh):
    """HOMER probabilities as a Biopython motif with counts = probabilities × 20 (MEME's default sites)."""
    out = []
    cur = None
    for line in fh:
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            f = line[1:].split("\t")
            cur = {"id": f[1] if len(f) > 1 and f[1] else f[0], "rows": []}
            out.append(cur)
        else:
            cur["rows"].append([float(x) for x in line.split()])
    ms = []
    for c in out:
        rows = np.array(c["rows"])
        rows = rows / rows.sum(axis=1, keepdims=True) * 20
        m = motifs.Motif(alphabet="ACGT", counts={b: list(rows[:, i]) for i, b in enumerate("ACGT")})
        m.name = c["id"]
        ms.append(m)
    return ms


def scores(args):
    path, fmt, fasta, chrom, start, end, ps = args[:7]
    bg = dict(zip("ACGT", (float(x) for x in args[7:11])))
    start, end, ps = int(start), int(end), float(ps)
    seq = next(r.seq for r in SeqIO.parse(fasta, "fasta") if r.id == chrom)[start:end].upper()
    for m in read_motifs(path, fmt):
        pwm = m.counts.normalize(pseudocounts={b: ps * bg[b] for b in "ACGT"})
        pssm = pwm.log_odds(background=bg)
        mid = getattr(m, "matrix_id", None) or m.name
        if fmt == "minimal":
            mid = m.name.split()[0]
        w = pssm.length
        plus = pssm.calculate(seq)
        minus = pssm.reverse_complement().calculate(seq)
        plus, minus = np.atleast_1d(plus), np.atleast_1d(minus)
        for j in range(len(seq) - w + 1):
            if not all(c in "ACGT" for c in seq[j:j + w]):
                continue
            print(f"{mid}\t{start + j}\t+\t{plus[j]:.6f}")
            print(f"{mid}\t{start + j}\t-\t{minus[j]:.6f}")


def bh(args):
    tests = dict((line.split()[0], int(line.split()[1])) for line in sys.stdin if line.strip())
    rows = [line.rstrip("\n").split("\t") for line in open(args[0]) if line.strip()]
    q = np.empty(len(rows))
    for mid in set(r[3] for r in rows):
        idx = np.array([i for i, r in enumerate(rows) if r[3] == mid])
        p = np.array([float(rows[i][6]) for i in idx])
        m = tests[mid]
        order = np.argsort(p, kind="stable")
        ranked = p[order]
        # rank of a p-value = the number of p-values at most it (ties share the largest rank)
        ranks = np.searchsorted(ranked, ranked, side="right")
        raw = np.minimum(1, m * ranked / ranks)
        qs = np.minimum.accumulate(raw[::-1])[::-1]
        q[idx[order]] = qs
    for x in q:
        print(f"{x:.6g}")


if __name__ == "__main__":
    {"scores": scores, "bh": bh}[sys.argv[1]](sys.argv[2:])
