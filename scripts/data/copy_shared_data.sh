#!/usr/bin/env bash
# Copies the real data grover's demo, tests and training need from ../shared/data into data/.
# Run once by a developer; the result is committed (a user's clone has no ../shared).
# The chr22 slice is renamed to a region-safe sequence name: its original header
# "22:20000001-21000000" contains ':' and '-', which region strings use as separators.
set -euo pipefail
src=${1:-../shared/data}
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$here/data/ctcf"
{ echo ">chr22_20M human chr22:20000001-21000000 (1-based, as in the source header 22:20000001-21000000)"
  tail -n +2 "$src/chr22_20-21M.fa"; } > "$here/data/chr22_20M.fa"
cp "$src/chr22_20-21M.snp" "$here/data/chr22_20M.snp"
cp "$src/MA0139.1.jaspar" "$here/data/MA0139.1.jaspar"
cp "$src/ctcf/ctcf_bound.fa" "$src/ctcf/ctcf_unbound.fa" "$here/data/ctcf/"
mkdir -p "$here/data/ctcf200" "$here/data/ctcf_dnd41" "$here/data/deepbind"
cp "$src/ctcf_extra/ctcf200_bound.fa" "$src/ctcf_extra/ctcf200_unbound.fa" "$here/data/ctcf200/"
cp "$src/ctcf_extra/ctcf_dnd41_101bp.tsv" "$here/data/ctcf_dnd41/"
cp "$src/deepbind/D00328.018.txt" "$src/deepbind/D00328.003.txt" "$src/deepbind/db_ctcf.tsv" "$here/data/deepbind/"
samtools faidx "$here/data/chr22_20M.fa"
