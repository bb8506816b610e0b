#!/usr/bin/python3
"""The reference for `grover motifs`: Biopython's Bio.motifs PSSM search over the same FASTA, the way a Python
user scans a genome with JASPAR motifs — log-odds with pseudocount 0.1 × background (uniform), both strands
(PSSM.search), score threshold from Biopython's own score distribution at false-positive rate --pvalue.

  /usr/bin/python3 bench/motifs_biopython.py FASTA MOTIFS.jaspar [--pvalue 1e-4]

Prints one JSON line: motifs, bp, hits, seconds (reading the motifs and the FASTA included), thresholds_seconds (of those,
reading the motifs and computing the p-value thresholds), bp/s.
"""
import argparse
import json
import time

from Bio import SeqIO, motifs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("fasta")
    ap.add_argument("motifs")
    ap.add_argument("--pvalue", type=float, default=1e-4)
    a = ap.parse_args()
    t0 = time.time()
    bg = {b: 0.25 for b in "ACGT"}
    with open(a.motifs) as fh:
        ms = list(motifs.parse(fh, "jaspar"))
    pssms = []
    for m in ms:
        pssm = m.counts.normalize(pseudocounts={b: 0.1 * bg[b] for b in "ACGT"}).log_odds(background=bg)
        pssms.append((pssm, pssm.distribution(background=bg, precision=10 ** 3).threshold_fpr(a.pvalue)))
    t1 = time.time()
    hits = 0
    bp = 0
    for rec in SeqIO.parse(a.fasta, "fasta"):
        seq = rec.seq.upper()
        bp += len(seq)
        for pssm, t in pssms:
            hits += sum(1 for _ in pssm.search(seq, threshold=t, both=True))
    secs = time.time() - t0
    # thresholds_seconds: reading the motifs and Biopython's score distributions (the p-value thresholds); the rest is the scan
    print(json.dumps({"motifs": len(ms), "bp": bp, "hits": hits, "seconds": round(secs, 2), "thresholds_seconds": round(t1 - t0, 2), "bp_per_s": round(bp / secs)}))


if __name__ == "__main__":
    main()
