#!/usr/bin/python3
"""Small real bigWig tracks over the bundled chr22 slice, for tests, the README and IGV demos.

Written with Debian's python3-pybigwig (libBigWig), an implementation nobody here wrote, so tests that
read them check grover's reader against an independent writer:

  data/tracks/chr22_20M.gc.bw         GC fraction of each 100-bp bin (bins with more than half N: no data)
  data/tracks/chr22_20M.ctcf_pwm.bw   JASPAR MA0139.1 CTCF best log-odds (both strands) of the motif
                                      starting in each 50-bp bin (bins with any N in reach: no data)

Both are values computed from the real sequence (data/chr22_20M.fa), nothing simulated. They stand in
for an open-chromatin track (GC-rich stretches) and a motif-signal track in demos and tests; they are
not ChIP-seq.

Usage: /usr/bin/python3 scripts/make_tracks.py
"""
import os

import numpy as np
import pyBigWig

from dna import read_fasta
from pwm_baseline import read_jaspar

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def main():
    name, seq = next(read_fasta(os.path.join(DATA, "chr22_20M.fa")))
    name = name.split()[0]
    seq = seq.upper()
    n = len(seq)
    out = os.path.join(DATA, "tracks")
    os.makedirs(out, exist_ok=True)

    x = np.frombuffer(seq.encode(), dtype=np.uint8)
    gc = np.isin(x, np.frombuffer(b"GC", dtype=np.uint8))
    acgt = np.isin(x, np.frombuffer(b"ACGT", dtype=np.uint8))

    starts, ends, vals = [], [], []
    for s in range(0, n, 100):
        e = min(n, s + 100)
        real = int(acgt[s:e].sum())
        if real * 2 <= e - s:
            continue
        starts.append(s)
        ends.append(e)
        vals.append(round(float(gc[s:e].sum()) / real, 4))
    write(os.path.join(out, "chr22_20M.gc.bw"), name, n, starts, ends, vals)

    lo = read_jaspar(os.path.join(DATA, "MA0139.1.jaspar"))
    L = lo.shape[1]
    lut = np.full(256, 4, dtype=np.int64)
    for i, b in enumerate(b"ACGT"):
        lut[b] = i
    idx = lut[x]
    lo5 = np.vstack([lo, np.full(L, np.nan)])  # an N anywhere in the motif makes the hit undefined
    rc5 = np.vstack([lo[::-1, ::-1], np.full(L, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(idx, L)
    cols = np.arange(L)
    best = np.maximum(lo5[win, cols].sum(axis=1), rc5[win, cols].sum(axis=1))  # per motif start
    starts, ends, vals = [], [], []
    for s in range(0, len(best), 50):
        b = best[s:s + 50]
        if np.isnan(b).any():
            continue
        starts.append(s)
        ends.append(min(n, s + 50))
        vals.append(round(float(b.max()), 3))
    write(os.path.join(out, "chr22_20M.ctcf_pwm.bw"), name, n, starts, ends, vals)


def write(path, chrom, size, starts, ends, vals):
    bw = pyBigWig.open(path, "w")
    bw.addHeader([(chrom, size)], maxZooms=10)
    bw.addEntries([chrom] * len(starts), starts, ends=ends, values=vals)
    bw.close()
    print(f"{path}: {len(starts)} intervals, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
