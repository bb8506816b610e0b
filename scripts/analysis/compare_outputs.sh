#!/usr/bin/env bash
# Outputs of the data-writing commands over the bundled slice, for a before/after byte comparison of a
# refactor (issue 17). Run it with two builds, then compare:
#   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/ && (cd /tmp/before && npx tsc -p tsconfig.json)
#   bash scripts/analysis/compare_outputs.sh /tmp/before /tmp/cmp/before
#   bash scripts/analysis/compare_outputs.sh "$PWD" /tmp/cmp/after && diff -r /tmp/cmp/before /tmp/cmp/after
# Models and data are taken from this checkout for both builds, so only the code differs. Commands that
# a build does not have (motifs before it existed) leave their error in *.err.
set -u
R=$1; O=$2; mkdir -p "$O"
here=$(cd "$(dirname "$0")/../.." && pwd)
M=$here/models; D=$here/data
g() { node "$R/bin/run.js" "$@"; }
g predict $D/chr22_20M.fa --model $M/ctcf-lm --region chr22_20M:1-100000 -q > $O/predict.bed 2>$O/predict.err
g predict $D/chr22_20M.fa --model $M/ctcf-lm --region chr22_20M:1-60000 -f tsv --threshold 0 -q > $O/predict.tsv 2>>$O/predict.err
g predict $D/chr22_20M.fa --model $M/ctcf-lm --region chr22_20M:1-60000 -f bedgraph --threshold 0 -q > $O/predict.bedgraph 2>>$O/predict.err
g predict $D/chr22_20M.fa --model $M/ctcf-lm --region chr22_20M:1-100000 --merge -q > $O/predict.merge.bed 2>>$O/predict.err
g predict $D/chr22_20M.fa --model $M/ctcf -q > $O/predict.ctcf.bed 2>$O/predict.ctcf.err
g predict $D/chr22_20M.fa --model $M/ctcf --region chr22_20M:1-100000 -f tsv --threshold 0 --motifs $D/MA0139.1.jaspar -q > $O/predict.ctcf.tsv 2>>$O/predict.ctcf.err
g score $D/chr22_20M.fa $D/chr22_20M.dbsnp.vcf.gz --model $M/ctcf-lm --region chr22_20M:1-20000 -q > $O/score.vcf 2>$O/score.err
g score $D/chr22_20M.fa $D/chr22_20M.dbsnp.vcf.gz --model $M/grover-mini --region chr22_20M:1-5000 -f tsv -q > $O/score.llr.tsv 2>>$O/score.err
g embed $D/chr22_20M.fa --model $M/grover-mini --region chr22_20M:1001-2000 --region chr22_20M:5001-6000 -q > $O/embed.tsv 2>$O/embed.err
g tokenize $D/chr22_20M.fa --model $M/grover-mini --region chr22_20M:1001-1300 -q > $O/tokenize.txt 2>$O/tokenize.err
g fill $D/chr22_20M.fa --model $M/grover-mini --region chr22_20M:1001-1200 --mask-at 1100 -q > $O/fill.txt 2>$O/fill.err
g motifs $D/chr22_20M.fa --motifs $D/MA0139.1.jaspar -q > $O/motifs.bed 2>$O/motifs.err
g motifs $D/chr22_20M.fa --motifs $D/JASPAR2020_CORE_vertebrates_latest.txt --region chr22_20M:1-20000 -f tsv -q > $O/motifs.tsv 2>>$O/motifs.err
exit 0
