#!/usr/bin/python3
"""Turn a published DeepBind model (Alipanahi et al. 2015; a `deepbind` parameter file, DXXXXX.YYY.txt) into a
grover bundle that scores sequences exactly as the `deepbind` binary does.

Usage:
  /usr/bin/python3 scripts/export/export_deepbind.py PARAMS.txt OUT_DIR [--windows deepbind|flank] [--name NAME]
        [--window 101 --stride 50] [--threshold T]

The graph (model.onnx; input onehot [batch, length, 4], A C G T, N = 0.25 each; any length ≥ 1) computes
one strand's score, DeepBind's unbounded number (output "score" [batch, 1]); grover predict scores both
strands and keeps the larger, as deepbind does for reverse-complement models (grover.json
"score": {"strands": "max"}; "mean"-free). Inside the graph, as scripts/models/deepbind.py documents:
  - a sequence longer than w = int(1.5 × detector length) is scored in every window [i, i + w) and the
    maximum kept; a shorter one is one window;
  - each window's feature map is the full convolution of its bases with detector_len − 1 N on each side
    ("deepbind": N padding at every window's edges, as the original binary; "flank": the real neighbouring
    bases, N only beyond the sequence, as kundajelab/DeepBindToKeras's modified binary);
  - ReLU(conv + threshold), max pool (and mean pool where has_avg_pooling = 1), then the linear layer or
    the hidden layer, per window.
The bundle is checked before it is written: onnxruntime-node against scripts/models/deepbind.py (numpy, itself
checked against DeepBind's published values) on sequences of many lengths, ≤ 1e-4. A file that is not a
DeepBind parameter file stops with a message naming it and leaves no bundle behind.

Window: DeepBind models are trained on short sequences (ChIP-seq: 101-bp peak centres; SELEX: 20-40 bp);
--window/--stride set what grover predict tiles a genome with (default 101 bp every 50).
"""
import argparse
import datetime
import os
import random
import shutil
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from models import deepbind
from export.bundle import fail, run_onnx_feeds, sha256, write_grover_json


class DeepBindStrand(nn.Module):
    """One strand of DeepBind's scan: onehot [batch, length, 4] → score [batch, 1]."""

    def __init__(self, p, mode):
        super().__init__()
        m, d = p["detector_len"], p["num_detectors"]
        self.m, self.d, self.w, self.mode = m, d, deepbind.window_size(p), mode
        self.avg = bool(p["has_avg_pooling"])
        self.hidden = p["num_hidden"]
        self.conv = nn.Conv1d(4, d, m)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor(p["W"], dtype=torch.float32).permute(2, 1, 0))  # [d, 4, m]
            self.conv.bias.copy_(torch.tensor(p["thresholds"], dtype=torch.float32))
        self.register_buffer("W1", torch.tensor(p["W1"], dtype=torch.float32))
        self.register_buffer("b1", torch.tensor(p["b1"], dtype=torch.float32))
        self.register_buffer("w2", torch.tensor(p["w2"] if self.hidden else np.zeros(1), dtype=torch.float32))
        self.b2 = float(p["b2"])

    def forward(self, onehot):
        B = onehot.shape[0]
        m, w = self.m, self.w
        pos = torch.arange(onehot.shape[1])
        L = pos[-1] + 1  # the input length as a traced value
        n_win = torch.clamp(L - w + 1, min=1)
        win_len = torch.clamp(L, max=w)  # bases per window
        starts = torch.arange(n_win)  # [nW]
        K = w + 2 * (m - 1)
        offs = torch.arange(K) - (m - 1)  # bases of a window's padded stretch, relative to its start
        idx = starts[:, None] + offs[None, :]  # [nW, K]
        if self.mode == "deepbind":
            real = (offs[None, :] >= 0) & (offs[None, :] < win_len)
        else:
            real = (idx >= 0) & (idx < L)
        xn = torch.cat([onehot, torch.full_like(onehot[:, :1], 0.25)], dim=1)  # row L: an N
        gather = torch.where(real, torch.clamp(idx, min=0), L.expand_as(idx))  # [nW, K]
        xw = xn[:, gather.reshape(-1)]  # [B, nW·K, 4]
        xw = xw.reshape(B * n_win, K, 4).permute(0, 2, 1)
        fm = torch.relu(self.conv(xw))  # [B·nW, d, K − m + 1 = w + m − 1]
        # placements beyond a short window's end (win_len + m − 1 of them are real) do not exist
        q = torch.arange(fm.shape[2])
        valid = (q < win_len + m - 1).to(fm.dtype)
        fm = fm * valid[None, None, :]
        pooled = fm.amax(dim=2)  # ReLU ≥ 0, so the zeros are neutral, as deepbind's z_max = 0
        if self.avg:
            mean = fm.sum(dim=2) / (win_len + m - 1).to(fm.dtype)
            pooled = torch.stack([pooled, mean], dim=2).reshape(fm.shape[0], 2 * self.d)
        h = pooled @ self.W1 + self.b1
        s = h[:, 0] if not self.hidden else torch.relu(h) @ self.w2 + self.b2
        return s.reshape(B, n_win).amax(dim=1, keepdim=True)


def check_seqs(p):
    """Sequences for the ONNX check: every length around the detector and window sizes, some with N."""
    r = random.Random(0)
    m, w = p["detector_len"], deepbind.window_size(p)
    lengths = sorted({1, 2, m - 1, m, m + 1, w - 1, w, w + 1, w + 7, 60, 101, 250})
    out = []
    for L in (x for x in lengths if x >= 1):
        s = "".join(r.choice("ACGT") for _ in range(L))
        out.append(s)
        if L > 10:
            out.append(s[:3] + "N" * 4 + s[7:])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("params")
    ap.add_argument("out")
    ap.add_argument("--windows", default="deepbind", choices=["deepbind", "flank"], help="how windows are padded (see above)")
    ap.add_argument("--name")
    ap.add_argument("--window", type=int, default=101)
    ap.add_argument("--stride", type=int, default=50)
    ap.add_argument("--threshold", type=float, help="BED output keeps windows scoring at least this (default: none; grover predict then asks for --threshold)")
    ap.add_argument("--license", default="DeepBind parameters: see the DeepBind release (Alipanahi et al. 2015) and where you got them")
    a = ap.parse_args()
    if not os.path.exists(a.params):
        fail(f"{a.params} does not exist")
    try:
        p = deepbind.read_params(a.params)
    except deepbind.ParamError as e:
        fail(f"{e}; no bundle written")
    model = DeepBindStrand(p, a.windows).eval()
    out = os.path.abspath(a.out)
    tmp = out.rstrip("/") + ".tmp-export"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        path = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, (torch.zeros(2, 80, 4),), path, input_names=["onehot"], output_names=["score"],
                              dynamic_axes={"onehot": {0: "batch", 1: "length"}, "score": {0: "batch"}}, opset_version=14, do_constant_folding=True)
        worst = 0.0
        eye = np.vstack([np.eye(4, dtype=np.float32), np.full((1, 4), 0.25, dtype=np.float32)])
        for s in check_seqs(p):
            x = eye[deepbind.encode(s)][None]
            got = float(run_onnx_feeds(path, {"onehot": {"float32": x.reshape(-1).tolist(), "dims": list(x.shape)}})[0][1][0, 0])
            want = deepbind._strand(p, deepbind.encode(s), a.windows)
            worst = max(worst, abs(got - want))
        if not worst <= 1e-4:
            fail(f"ONNX Runtime differs from the numpy reference (scripts/models/deepbind.py) by {worst:.3g} > 1e-4; no bundle written")
        print(f"check: ONNX Runtime vs scripts/models/deepbind.py on {len(check_seqs(p))} sequences of 1-250 bp: max |Δ| = {worst:.3g} (tolerance 1e-4)", file=sys.stderr)
        model_id = os.path.splitext(os.path.basename(a.params))[0]
        meta = {
            "format": 1, "name": a.name or os.path.basename(os.path.normpath(a.out)), "task": "score",
            "description": f"DeepBind model {model_id} ({p['num_detectors']} detectors × {p['detector_len']} bp, "
                           f"{p['num_hidden']} hidden units, {'max + mean' if p['has_avg_pooling'] else 'max'} pooling), {a.windows} windows",
            "trained": True,
            "score": {"name": "deepbind", "strands": "max" if p["reverse_complement"] else "plus"},
            **({"threshold": a.threshold} if a.threshold is not None else {}),
            "window": a.window, "stride": a.stride, "max_tokens": 1 << 20,
            "tokenizer": {"kind": "onehot"},
            "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32", "input_length": "any", "min_length": 1,
                     "inputs": {"onehot": "[batch, length, 4] A,C,G,T; N 0.25"}, "outputs": {"score": "[batch, 1] DeepBind's score of one strand"}},
            "architecture": {"type": "deepbind", "windows": a.windows, "window_size": deepbind.window_size(p),
                             **{k: p[k] for k in ("reverse_complement", "num_detectors", "detector_len", "has_avg_pooling", "num_hidden")}},
            "provenance": {"script": "scripts/export/export_deepbind.py", "params": os.path.basename(a.params), "params_sha256": sha256(a.params),
                           "exported": datetime.date.today().isoformat(), "onnx_vs_reference_max_abs_delta": worst},
            "license": a.license,
        }
        write_grover_json(tmp, meta)
        shutil.rmtree(out, ignore_errors=True)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {a.out}: DeepBind {model_id}, {a.windows} windows", file=sys.stderr)


if __name__ == "__main__":
    main()
