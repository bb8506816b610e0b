#!/usr/bin/env bash
# One DNA window per line from the bundled chr22 slice (upper case, N kept), for bench/tokenizer.ts.
# Usage: bash bench/make_windows.sh [WINDOW_BP] > windows.txt
set -euo pipefail
w=${1:-1000}
cd "$(dirname "$0")/.."
tail -n +2 data/chr22_20M.fa | tr -d '\n' | fold -w "$w"; echo
