"""Shared helpers of the scripts: FASTA and sequences, BPE, tokenizer JSON, safetensors, paths."""
