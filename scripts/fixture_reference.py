#!/usr/bin/python3
"""Reference numbers for the tiny test bundle, computed with PyTorch on the same weights, so the tests
can check grover's ONNX path (tokenizer, padding, batching, strands, pooling) against an independent
implementation. CI compares with the committed JSON; a test re-runs this script when torch is present.

Usage: /usr/bin/python3 scripts/fixture_reference.py [OUT_DIR]
Writes OUT_DIR/tiny-ctcf.reference.json and OUT_DIR/tiny-mlm.reference.json (default OUT_DIR: the
fixtures' own folders, as reference.json).
"""
import json
import os
import sys

import torch

from bert import BertConfig, BertForMaskedLM, BertForSequenceClassification
from bpe import BPE
from dna import read_fasta, revcomp
from safetensors_io import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
FIX = os.path.join(ROOT, "test", "fixtures", "tiny-ctcf")

PREDICT_REGION = (0, 5000)  # chr22_20M:1-5000, windows of 1000 every 500
EMBED_REGIONS = [(0, 1000), (5000, 5300), (700000, 700777)]


FILL_SEQ = "TGGGAAGGTGGGGAGG[MASK]TGCTCACC[MASK]GGG"
TRACK_REGION = (0, 300)
ATTN_REGION = (0, 40)


def load_fixture(name, model_class):
    """A fixture bundle's PyTorch model (from its weights.safetensors) and its tokenizer."""
    fix = os.path.join(ROOT, "test", "fixtures", name)
    meta = json.load(open(os.path.join(fix, "grover.json")))
    model = model_class(BertConfig(**{k: v for k, v in meta["architecture"].items() if k != "type"}))
    model.load_state_dict(load_file(os.path.join(fix, "weights.safetensors")))
    model.eval()
    return model, BPE(os.path.join(fix, "tokenizer.json"))


def mlm_reference(out):
    model, bpe = load_fixture("tiny-mlm", BertForMaskedLM)
    specials = {bpe.vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}
    # the sequence with [MASK]s: split on the special token as the HF tokenizer does
    parts = FILL_SEQ.split("[MASK]")
    ids = [bpe.cls]
    for i, part in enumerate(parts):
        ids += bpe.encode(part, specials=False)
        if i < len(parts) - 1:
            ids.append(bpe.mask)
    ids.append(bpe.sep)
    t = torch.tensor([ids])
    with torch.no_grad():
        probs = torch.softmax(model(t, torch.ones_like(t))[0][0], -1)
    masks = []
    for pos in [i for i, x in enumerate(ids) if x == bpe.mask]:
        p = probs[pos].clone()
        p[list(specials)] = -1
        top = torch.argsort(p, descending=True)[:3]
        masks.append([{"id": int(i), "token": bpe.inv[int(i)], "p": float(probs[pos, i])} for i in top])
    seq = next(read_fasta(os.path.join(ROOT, "data", "chr22_20M.fa")))[1]
    a, b = TRACK_REGION
    enc = bpe.encode(seq[a:b])
    track = []
    pos_bp = a
    for k in range(1, len(enc) - 1):
        ids2 = list(enc)
        ids2[k] = bpe.mask
        t = torch.tensor([ids2])
        with torch.no_grad():
            pr = torch.softmax(model(t, torch.ones_like(t))[0][0, k], -1)[enc[k]]
        n = len(bpe.inv[enc[k]])
        track.append({"start": pos_bp, "end": pos_bp + n, "p": float(pr)})
        pos_bp += n
    llr = score_reference(model, bpe, seq, "masked-lm")
    ids = bpe.encode(seq[ATTN_REGION[0]:ATTN_REGION[1]])
    t = torch.tensor([ids])
    with torch.no_grad():
        att = torch.stack(model(t, torch.ones_like(t))[2])[:, 0]  # [layers, heads, T, T]
    attn = {"region": list(ATTN_REGION), "weights": att.tolist(),
            "mean_received": att.mean(dim=(0, 1, 2)).tolist()}
    with open(out, "w") as fh:
        json.dump({"made_by": "scripts/fixture_reference.py (PyTorch " + torch.__version__ + ")",
                   "fill": {"sequence": FILL_SEQ, "masks": masks}, "track": track, "score_llr": llr,
                   "attention": attn,
                   "generate": {"prompt": GEN_PROMPT, "length": GEN_LENGTH, "sequence": generate_reference(model, bpe)}}, fh, indent=1)
        fh.write("\n")


# (1-based POS, REF, ALT) from data/chr22_20M.dbsnp.vcf.gz: an SNV, a deletion, an insertion
SCORE_VARIANTS = [(146, "G", "A"), (1587, "CAG", "C"), (3490, "C", "CAG")]


GEN_PROMPT, GEN_LENGTH = "TGGGAAGGTGGGGAGGTGCTCACC", 60
PROBE = ("TGGGAAGGTGGGGAGGTGCTCACCTTGGGGAGCCCCCCTGAGTGCTCTGCAAGCTCTGGGGTCACCTGCCTGGCCAAGGACCCAGTACCAGCCGCC"
         "TCAAAG")


def generate_reference(model, bpe, max_tokens=512):
    """Greedy iterative unmasking exactly as grover generate does it (temperature 0)."""
    import math
    import re
    allowed = [i for i in range(len(bpe.inv)) if re.fullmatch("[ACGT]+", bpe.inv[i])]
    bp_per_token = len(PROBE) / len(bpe.encode(PROBE, specials=False))
    left0, text = bpe.encode(GEN_PROMPT, specials=False), ""
    while len(text) < GEN_LENGTH:
        want = max(1, math.ceil((GEN_LENGTH - len(text)) / bp_per_token))
        left = left0 + bpe.encode(text, specials=False)
        room = max_tokens - 2
        keep = min(len(left), max(0, room // 2))
        k = max(1, min(want, room - keep))
        left = left[len(left) - keep:]
        fill = [-1] * k
        while -1 in fill:
            ids = [bpe.cls] + left + [bpe.mask if x < 0 else x for x in fill] + [bpe.sep]
            t = torch.tensor([ids])
            with torch.no_grad():
                logits = model(t, torch.ones_like(t))[0][0]
            masked = [i for i, x in enumerate(fill) if x < 0]
            per_round = max(1, math.ceil(len(masked) / 16))
            cands = []
            for i in masked:
                p = torch.softmax(logits[1 + len(left) + i, allowed], -1)
                best = int(torch.argmax(p))
                cands.append((-float(p[best]), i, best))
            for _, i, best in sorted(cands)[:per_round]:
                fill[i] = allowed[best]
        text += "".join(bpe.inv[x] for x in fill)
    return GEN_PROMPT + text[:GEN_LENGTH]


def score_reference(model, bpe, seq, task, window=1000):
    """llr (masked-LM) or delta (classifier) per variant, mirroring grover score's definition."""
    out = []
    for pos, ref, alt in SCORE_VARIANTS:
        p0 = pos - 1
        assert seq[p0:p0 + len(ref)] == ref, (pos, ref)
        ws = max(0, min(len(seq) - window, p0 + len(ref) // 2 - window // 2))
        win = seq[ws:ws + window]
        a, b = p0 - ws, p0 - ws + len(ref)
        alt_seq = win[:a] + alt + win[b:]

        def value(s, lo, hi):
            ids = bpe.encode(s)
            if task == "classification":
                t = torch.tensor([ids])
                with torch.no_grad():
                    return float(torch.softmax(model(t, torch.ones_like(t))[0], -1)[0, 1])
            masked, pos_bp = [], 0
            for k in range(1, len(ids) - 1):
                n = len(bpe.inv[ids[k]])
                if pos_bp < max(hi, lo + 1) and pos_bp + n > lo:
                    masked.append(k)
                pos_bp += n
            inp = list(ids)
            for k in masked:
                inp[k] = bpe.mask
            t = torch.tensor([inp])
            with torch.no_grad():
                lp = torch.log_softmax(model(t, torch.ones_like(t))[0][0], -1)
            return float(sum(lp[k, ids[k]] for k in masked))

        L, La = len(win), len(alt_seq)
        r = (value(win, a, b) + value(revcomp(win), L - b, L - a)) / 2
        v = (value(alt_seq, a, a + len(alt)) + value(revcomp(alt_seq), La - a - len(alt), La - a)) / 2
        out.append({"pos": pos, "ref": ref, "alt": alt, "value": v - r})
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else None
    out = os.path.join(out_dir, "tiny-ctcf.reference.json") if out_dir else os.path.join(FIX, "reference.json")
    mlm_reference(os.path.join(out_dir, "tiny-mlm.reference.json") if out_dir else
                  os.path.join(ROOT, "test", "fixtures", "tiny-mlm", "reference.json"))
    model, bpe = load_fixture("tiny-ctcf", BertForSequenceClassification)
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
                   "predict": windows, "embed": embeddings,
                   "score_delta": score_reference(model, bpe, seq, "classification")}, fh, indent=1)
        fh.write("\n")
    print(f"wrote {out}: {len(windows)} windows, {len(embeddings)} embeddings", file=sys.stderr)


if __name__ == "__main__":
    main()
