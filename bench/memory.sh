#!/usr/bin/env bash
# Peak memory of grover predict for 1 Mb vs 50 Mb of input (issue 7: memory must stay flat with
# genome size). The 50-Mb genome is 50 renamed copies of the bundled real chr22 slice, written to
# build/bench/. Uses the tiny fixture model with --window = --stride = 1000 so the 50-Mb run takes
# a couple of minutes on 2 cores; the pipeline (reading, tokenizing, batching, writing) is predict's own.
# Needs GNU time (Debian: apt-get install time). Prints "<MB> <peak RSS MiB> <seconds>" per size and the ratio.
#   bash bench/memory.sh           # the tiny fixture, windows = stride = 1000
#   bash bench/memory.sh ctcf      # the shipped ctcf model at its own window and stride (fully convolutional)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
big=build/bench/genome50.fa
if [ ! -s "$big" ]; then
  for i in $(seq 1 50); do
    printf '>chr22_20M_copy%02d\n' "$i"
    tail -n +2 data/chr22_20M.fa
  done > "$big.tmp" && mv "$big.tmp" "$big"
  rm -f "$big.fai"
fi
node bin/run.js tokenize "$big" --region chr22_20M_copy01:1-10 -q > /dev/null 2>&1 || true   # build the .fai outside the timing
if [ $# -gt 0 ]; then model_args=(--model "$1"); else model_args=(--model test/fixtures/tiny-ctcf --window 1000 --stride 1000); fi
run() {
  local fa=$1 label=$2
  /usr/bin/time -f '%M %e' -o build/bench/time.txt node bin/run.js predict "$fa" "${model_args[@]}" \
    --threshold 0 -q > /dev/null 2> build/bench/stderr.txt
  read -r kb secs < build/bench/time.txt
  echo "$label $((kb / 1024)) $secs"
}
a=$(run data/chr22_20M.fa 1)
b=$(run "$big" 50)
echo "$a"
echo "$b"
awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "peak RSS 50 Mb / 1 Mb: %.2f\n", y[2] / x[2] }'
