#!/usr/bin/python3
"""Learn a GROVER-style byte-pair vocabulary on real DNA and write it as a Hugging Face tokenizer.json.

GROVER (Sanabria et al. 2024) built its vocabulary by repeatedly merging the most frequent pair of
adjacent tokens over the genome, starting from the four nucleotides. This does the same over A/C/G/T
chunks (N stretches cut the corpus; N stays a single-character token), with special tokens
[PAD] [UNK] [CLS] [SEP] [MASK] and a BERT post-processor ([CLS] seq [SEP]).

Usage: /usr/bin/python3 scripts/train/learn_bpe.py OUT/tokenizer.json --merges 600 FASTA [FASTA ...]
"""
import argparse
import sys

import numpy as np

import os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna import acgt_chunks, read_fasta, write_json

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BASES = ["A", "C", "G", "T", "N"]


def learn(chunks, n_merges, log=sys.stderr):
    tokens = list(BASES)
    code = {b: i for i, b in enumerate(BASES)}
    sep = -1
    # One flat int array with -1 between chunks, so no pair crosses a chunk border.
    arr = np.full(sum(len(c) + 1 for c in chunks), sep, dtype=np.int32)
    pos = 0
    lut = np.full(256, sep, dtype=np.int32)
    for b, i in code.items():
        lut[ord(b)] = i
    for c in chunks:
        arr[pos:pos + len(c)] = lut[np.frombuffer(c.encode(), dtype=np.uint8)]
        pos += len(c) + 1
    merges = []
    for step in range(n_merges):
        a, b = arr[:-1], arr[1:]
        ok = (a >= 0) & (b >= 0)
        v = len(tokens)
        keys = a[ok].astype(np.int64) * v + b[ok]
        counts = np.bincount(keys, minlength=v * v)
        best = int(counts.argmax())
        if counts[best] < 2:
            break
        left, right = divmod(best, v)
        new = len(tokens)
        tokens.append(tokens[left] + tokens[right])
        merges.append((tokens[left], tokens[right]))
        hits = np.flatnonzero((arr[:-1] == left) & (arr[1:] == right))
        if left == right and len(hits) > 1:
            # Runs such as AAAA: merge left to right without overlap (AA AA), as BPE does.
            keep = np.ones(len(hits), dtype=bool)
            run_start = np.r_[True, np.diff(hits) != 1]
            run_id = np.cumsum(run_start) - 1
            first = hits[run_start]
            keep = ((hits - first[run_id]) % 2) == 0
            hits = hits[keep]
        arr[hits] = new
        drop = np.ones(len(arr), dtype=bool)
        drop[hits + 1] = False
        arr = arr[drop]
        if log and (step % 100 == 0 or step == n_merges - 1):
            print(f"merge {step + 1}: {tokens[left]} + {tokens[right]} (count {counts[best]}), "
                  f"{int((arr >= 0).sum())} tokens", file=log)
    return tokens, merges


def tokenizer_json(tokens, merges):
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for t in tokens:
        vocab.setdefault(t, len(vocab))
    added = [{"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for s in SPECIALS]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [vocab["[CLS]"]], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [vocab["[SEP]"]], "tokens": ["[SEP]"]},
            },
        },
        "decoder": None,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "[UNK]",
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [[a, b] for a, b in merges],
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("fasta", nargs="+")
    ap.add_argument("--merges", type=int, default=600)
    ap.add_argument("--chunk", type=int, default=1000, help="corpus chunk length in bp")
    ap.add_argument("--max-bp", type=int, default=0, help="use at most this many bp (0: all)")
    args = ap.parse_args()
    chunks = []
    for path in args.fasta:
        for _, seq in read_fasta(path):
            chunks.extend(acgt_chunks(seq, args.chunk))
    if args.max_bp:
        chunks = chunks[: max(1, args.max_bp // args.chunk)]
    print(f"corpus: {len(chunks)} chunks of {args.chunk} bp", file=sys.stderr)
    tokens, merges = learn(chunks, args.merges)
    write_json(args.out, tokenizer_json(tokens, merges))
    print(f"wrote {args.out}: {len(tokens) + len(SPECIALS)} tokens, {len(merges)} merges", file=sys.stderr)


if __name__ == "__main__":
    main()
