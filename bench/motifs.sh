#!/usr/bin/env bash
# grover motifs against Biopython's PSSM search (bench/motifs_biopython.py) on the same FASTA, timed by
# farm-bench (whole processes, A B A B in turn, the ratio pair by pair; quote the medians):
#   one motif (JASPAR MA0139.1) over 10 Mb (the bundled 1-Mb chr22 slice ten times, as ten records, so
#   that process start-up does not dominate), and all 746 motifs of JASPAR 2020 CORE vertebrates (latest
#   versions) over the slice's first 100 kb. Uniform background, p < 1e-4, both strands.
# Biopython's time for 746 motifs is mostly its p-value thresholds (score distributions): its JSON line,
# kept in build/bench/biopython_746.jsonl, says how much (thresholds_seconds).
#
#   bash bench/motifs.sh [RUNS]      # default 3 (the 746-motif pair: 2, Biopython takes ~4 min a run)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
py=${GROVER_PYTHON:-/usr/bin/python3}
command -v farm-bench >/dev/null || { echo "bench/motifs.sh needs farm-bench on PATH (the workplace's timer)" >&2; exit 2; }
d=build/bench
mkdir -p $d
head -n 1668 data/chr22_20M.fa > $d/100kb.fa   # header + 1,667 lines of 60 bp: the first 100,020 bp
for k in 0 1 2 3 4 5 6 7 8 9; do sed "1s/.*/>copy$k/" data/chr22_20M.fa; done > $d/10Mb.fa
rm -f $d/100kb.fa.fai $d/10Mb.fa.fai
node bin/run.js motifs $d/10Mb.fa --motifs data/MA0139.1.jaspar --region copy0:1-100 -q > /dev/null 2>&1   # the .fai, outside the timing
node bin/run.js motifs $d/100kb.fa --motifs data/MA0139.1.jaspar --region chr22_20M:1-100 -q > /dev/null 2>&1
echo "## one motif, 10 Mb: A = grover motifs, B = Biopython"
farm-bench -n "$runs" --timeout 600 --vs "$py bench/motifs_biopython.py $d/10Mb.fa data/MA0139.1.jaspar" -- \
  node bin/run.js motifs $d/10Mb.fa --motifs data/MA0139.1.jaspar --background uniform -q -o $d/one.bed
echo "## 746 motifs, 100 kb: A = grover motifs, B = Biopython"
rm -f $d/biopython_746.jsonl
farm-bench -n "$(( runs < 2 ? runs : 2 ))" --warmup 0 --timeout 1200 \
  --vs "sh -c 'exec $py bench/motifs_biopython.py $d/100kb.fa data/JASPAR2020_CORE_vertebrates_latest.txt >> $d/biopython_746.jsonl 2>&1'" -- \
  node bin/run.js motifs $d/100kb.fa --motifs data/JASPAR2020_CORE_vertebrates_latest.txt --background uniform -q -o $d/all.bed
cat $d/biopython_746.jsonl
