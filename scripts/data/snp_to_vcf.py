#!/usr/bin/python3
"""Convert HISAT2's .snp variant list (data/chr22_20M.snp: dbSNP variants in the chr22 slice) to VCF 4.2.

.snp lines: rsid, single|deletion|insertion, source sequence name, OFFSET (0-based into the slice), and
the ALT base (single), the deleted length (deletion), or the inserted bases (insertion, before OFFSET).
Indels are written VCF-style with the preceding base as anchor. REF comes from the FASTA.

Usage: /usr/bin/python3 scripts/data/snp_to_vcf.py data/chr22_20M.fa data/chr22_20M.snp > data/chr22_20M.dbsnp.vcf
then:  bgzip -f data/chr22_20M.dbsnp.vcf && tabix -p vcf data/chr22_20M.dbsnp.vcf.gz
"""
import sys

import os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import read_fasta


def main():
    fasta, snp = sys.argv[1], sys.argv[2]
    name, seq = next(read_fasta(fasta))
    records = []
    for line in open(snp):
        rsid, kind, _, off, arg = line.split()
        off = int(off)
        if kind == "single":
            records.append((off + 1, rsid, seq[off], arg))
        elif kind == "deletion":
            n = int(arg)
            records.append((off, rsid, seq[off - 1:off + n], seq[off - 1]))
        elif kind == "insertion":
            records.append((off, rsid, seq[off - 1], seq[off - 1] + arg))
        else:
            raise SystemExit(f"{snp}: unknown variant type {kind!r}")
    records.sort(key=lambda r: (r[0], r[1]))
    out = sys.stdout
    out.write("##fileformat=VCFv4.2\n")
    out.write(f"##contig=<ID={name},length={len(seq)}>\n")
    out.write("##source=dbSNP via HISAT2 example/reference/22_20-21M.snp, converted by scripts/data/snp_to_vcf.py\n")
    out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    for pos, rsid, ref, alt in records:
        if ref == alt or "N" in ref:
            continue
        out.write(f"{name}\t{pos}\t{rsid}\t{ref}\t{alt}\t.\t.\t.\n")


if __name__ == "__main__":
    main()
