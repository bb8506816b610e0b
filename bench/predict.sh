#!/usr/bin/env bash
# Default `grover predict` (fully convolutional scanning) against the same model window by window
# (--scan windows) and against PyTorch tiling the same windows (bench/predict_torch.py), on the bundled
# 1-Mb chr22 slice, both strands, 2 threads each; then the stride test (--stride 50 vs --stride 1000).
# Each pair is timed by farm-bench (the workplace's timer: whole processes, A B A B in turn, the ratio
# taken pair by pair, min/median/max); quote the medians.
#
#   bash bench/predict.sh [RUNS]        # default 3 runs of each command
#
# First checks that grover's scores equal PyTorch's on every window.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
fa=data/chr22_20M.fa
py=${GROVER_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v farm-bench >/dev/null || { echo "bench/predict.sh needs farm-bench on PATH (the workplace's timer)" >&2; exit 2; }

# correctness first: the same windows and scores (4 decimals: at most one unit of the last digit apart after rounding)
node bin/run.js predict $fa --threshold 0 -f tsv --threads 2 -q > "$tmp/grover.tsv"
$py bench/predict_torch.py $fa --threads 2 --out "$tmp/torch.tsv" > /dev/null
tail -n +2 "$tmp/grover.tsv" | cut -f1-4 | paste - "$tmp/torch.tsv" | awk -F'\t' '
  $2 != $6 || $3 != $7 { bad++ } { d = $4 - $8; if (d < 0) d = -d; if (d > m) m = d }
  END { printf "check: %d windows, %d misplaced, max |grover - PyTorch| = %.4f\n", NR, bad, m; exit (bad > 0 || m > 1.5e-4) }'

g="node bin/run.js predict $fa --threshold 0 -f tsv --threads 2 -q"
echo "## A = grover predict (chunks), B = the same model window by window"
farm-bench -n "$runs" --timeout 600 --vs "$g --scan windows" -- $g
echo "## A = grover predict (chunks), B = PyTorch tiling the same windows"
farm-bench -n "$runs" --timeout 600 --vs "$py bench/predict_torch.py $fa --threads 2" -- $g
echo "## A = --stride 50, B = --stride 1000"
farm-bench -n "$runs" --timeout 600 --vs "$g --stride 1000" -- $g --stride 50
