#!/usr/bin/python3
"""Reference numbers for the tiny test bundle, computed with PyTorch on the same weights, so the tests
can check grover's ONNX path (tokenizer, padding, batching, strands, pooling) against an independent
implementation. CI compares with the committed JSON; a test re-runs this script when torch is present.

Usage: /usr/bin/python3 scripts/fixture_reference.py [OUT.json]   (default: test/fixtures/tiny-ctcf/reference.json)
"""
import json
import os
import sys

import torch

from bert import BertConfig, BertForSequenceClassification
from bpe import BPE
from dna import read_fasta, revcomp
from safetensors_io import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
FIX = os.path.join(ROOT, "test", "fixtures", "tiny-ctcf")

PREDICT_REGION = (0, 5000)  # chr22_20M:1-5000, windows of 1000 every 500
EMBED_REGIONS = [(0, 1000), (5000, 5300), (700000, 700777)]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIX, "reference.json")
    meta = json.load(open(os.path.join(FIX, "grover.json")))
    cfg = BertConfig(**{k: v for k, v in meta["architecture"].items() if k != "type"})
    model = BertForSequenceClassification(cfg)
    model.load_state_dict(load_file(os.path.join(FIX, "weights.safetensors")))
    model.eval()
    bpe = BPE(os.path.join(FIX, "tokenizer.json"))
    seq = next(read_fasta(os.path.join(ROOT, "data", "chr22_20M.fa")))[1]

    def run(s):
        ids = torch.tensor([bpe.encode(s)])
        with torch.no_grad():
            logits, hidden, _ = model(ids, torch.ones_like(ids))
        return torch.softmax(logits, -1)[0], hidden[0]

    windows = []
    a, b = PREDICT_REGION
    for start in range(a, b - 1000 + 1, 500):
        w = seq[start:start + 1000]
        pf, _ = run(w)
        pr, _ = run(revcomp(w))
        windows.append({"chrom": "chr22_20M", "start": start, "end": start + 1000,
                        "plus": float(pf[1]), "minus": float(pr[1])})
    embeddings = []
    for start, end in EMBED_REGIONS:
        _, h = run(seq[start:end])
        embeddings.append({"chrom": "chr22_20M", "start": start, "end": end,
                           "cls": [float(x) for x in h[0]], "mean": [float(x) for x in h[1:-1].mean(0)]})
    with open(out, "w") as fh:
        json.dump({"made_by": "scripts/fixture_reference.py (PyTorch " + torch.__version__ + ")",
                   "predict": windows, "embed": embeddings}, fh, indent=1)
        fh.write("\n")
    print(f"wrote {out}: {len(windows)} windows, {len(embeddings)} embeddings", file=sys.stderr)


if __name__ == "__main__":
    main()
