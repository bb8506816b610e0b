#!/usr/bin/python3
"""Make the tokenizer.json fixtures for grover's tokenizer parity tests (test/fixtures/tokenizers/).

grover600.json is a GROVER-style vocabulary (600 merges learnt on the first 900 kb of the real chr22
slice); the others are variants of it exercising each tokenizer.json option grover supports, so the
parity test compares grover's ids with Hugging Face's on every code path.
Usage: /usr/bin/python3 scripts/make_tokenizer_fixtures.py [--skip-4k]
(--skip-4k: leave dnabert2-layout.json, whose 4,091 merges take about 15 minutes, as it is)
"""
import sys
import copy
import os

from dna import acgt_chunks, read_fasta, write_json
from dna_tokenizers import char_tokenizer_json, kmer_tokenizer_json, nt_vocab
from learn_bpe import learn, tokenizer_json

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "tokenizers")


def main():
    seq = next(read_fasta(os.path.join(HERE, "..", "data", "chr22_20M.fa")))[1]
    tokens, merges = learn(acgt_chunks(seq[:900_000], 1000), 600, log=None)
    base = tokenizer_json(tokens, merges)
    write_json(os.path.join(OUT, "grover600.json"), base)

    v = copy.deepcopy(base)  # merges as "a b" strings (the older tokenizer.json form), no pre-tokenizer
    v["model"]["merges"] = [" ".join(m) for m in v["model"]["merges"]]
    v["pre_tokenizer"] = None
    write_json(os.path.join(OUT, "string-merges.json"), v)

    v = copy.deepcopy(base)  # BertProcessing, WhitespaceSplit
    v["post_processor"] = {"type": "BertProcessing", "sep": ["[SEP]", v["model"]["vocab"]["[SEP]"]],
                           "cls": ["[CLS]", v["model"]["vocab"]["[CLS]"]]}
    v["pre_tokenizer"] = {"type": "WhitespaceSplit"}
    write_json(os.path.join(OUT, "bert-processing.json"), v)

    v = copy.deepcopy(base)  # Lowercase normalizer in a Sequence, lower-case vocabulary, Split on N runs
    low = {k if k.startswith("[") else k.lower(): i for k, i in v["model"]["vocab"].items()}
    v["model"]["vocab"] = low
    v["model"]["merges"] = [[a.lower(), b.lower()] for a, b in v["model"]["merges"]]
    v["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Lowercase"}]}
    v["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "n+"}, "behavior": "Isolated", "invert": False}]}
    write_json(os.path.join(OUT, "lowercase-split.json"), v)

    v = copy.deepcopy(base)  # continuing-subword prefix and end-of-word suffix (word-piece style BPE)
    pre, suf = "##", "</w>"
    vocab = {}
    for t in v["model"]["vocab"]:
        if t.startswith("["):
            vocab[t] = len(vocab)
    singles = ["A", "C", "G", "T", "N"]
    for t in tokens:
        for form in (t, pre + t, t + suf, pre + t + suf):  # a tuple: fixed order (a set made the ids vary per run)
            vocab.setdefault(form, len(vocab))
    new_merges = []
    for a, b in merges:
        for la in (a, pre + a):
            for rb in (b, b + suf):
                new_merges.append([la, pre + rb])
    # keep only merges whose result exists, as HF requires
    ok = []
    for la, rb in new_merges:
        joined = la + rb[len(pre):]
        if joined in vocab:
            ok.append([la, rb])
    v["model"].update({"vocab": vocab, "merges": ok, "continuing_subword_prefix": pre, "end_of_word_suffix": suf})
    write_json(os.path.join(OUT, "prefix-suffix.json"), v)

    v = copy.deepcopy(base)  # fused unknowns and ignore_merges
    v["model"]["fuse_unk"] = True
    v["model"]["ignore_merges"] = True
    write_json(os.path.join(OUT, "fuse-unk-ignore-merges.json"), v)
    # DNABERT-2's layout: 4,096 tokens, [UNK] [CLS] [SEP] [PAD] [MASK] first, then the bases and merges
    if "--skip-4k" not in sys.argv:
        dnabert2_layout(seq)

    # Nucleotide Transformer's 6-mer vocabulary and HyenaDNA's character table (scripts/dna_tokenizers.py)
    write_json(os.path.join(OUT, "nt-kmer6.json"), kmer_tokenizer_json(nt_vocab()))
    write_json(os.path.join(OUT, "hyena-char.json"), char_tokenizer_json())
    print("wrote", sorted(os.listdir(OUT)))


def dnabert2_layout(seq):
    tokens4k, merges4k = learn(acgt_chunks(seq[:900_000], 1000), 4096 - 5 - 5, log=None)
    v = tokenizer_json(tokens4k, merges4k)
    order = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    vocab = {t: i for i, t in enumerate(order)}
    for t in tokens4k:
        vocab.setdefault(t, len(vocab))
    assert len(vocab) == 4096, len(vocab)
    v["model"]["vocab"] = vocab
    v["added_tokens"] = [dict(a, id=vocab[a["content"]]) for a in v["added_tokens"]]
    for t in v["post_processor"]["special_tokens"].values():
        t["ids"] = [vocab[t["id"]]]
    write_json(os.path.join(OUT, "dnabert2-layout.json"), v)


if __name__ == "__main__":
    main()
