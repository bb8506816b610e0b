#!/usr/bin/python3
"""Turn a one-hot DNA model checkpoint into a grover bundle (model.onnx + grover.json; no tokenizer.json:
the tokenizer kind is "onehot").

Usage:
  /usr/bin/python3 scripts/export/export_onehot.py CHECKPOINT OUT_DIR [--arch danq] [--sequence-length 1000]
        [--target 0] [--target-name NAME] [--name NAME] [--stride BP] [--threshold P]
  /usr/bin/python3 scripts/export/export_onehot.py CHECKPOINT OUT_DIR --arch scan [--labels no,yes] [--window 1000 --stride 200]
  /usr/bin/python3 scripts/export/export_onehot.py CHECKPOINT OUT_DIR --arch profile --sequence-length L --bins N
        [--track-names a,b,c] [--name NAME]

CHECKPOINT: a DanQ checkpoint in the Selene SDK's layout (best_model.pth.tar: {"state_dict": ...},
parameter names nnet.0 / bdlstm.0 / classifier.1 / classifier.3; see scripts/models/onehot.py), from
Selene's DanQ training or converted to it. Sizes come from the weights; --sequence-length must be the
input length it was trained on (DanQ: 1000). DanQ predicts many targets with a sigmoid each (919 in
the DeepSEA set); the bundle is a binary classifier for one of them (--target): its graph outputs
logits [0, z] so that grover's softmax gives exactly the sigmoid σ(z).

The graph takes `onnx` input "onehot" [batch, length, 4] (A, C, G, T; N = 0.25 each; padding 0), the
layout grover feeds every one-hot model. It is run with onnxruntime-node and compared with PyTorch on
real-like sequences with N and a zero-padded tail: max |Δ| must be ≤ 1e-4.

--arch scan: a ScanCNN (scripts/models/onehot.py: valid convolutions, global max/mean pooling, a linear
head; checkpoint {"state_dict": ..., "sizes": {...}}) becomes a classifier bundle that grover scans fully
convolutionally: model.onnx (the whole model, any input length ≥ its receptive field), trunk.onnx
(onehot → features) and head.onnx (pooled → logits), grover.json "onnx.scan". scripts/train/train_ctcf.py
writes the shipped ctcf bundle this way.

--arch profile: a ProfileCNN (scripts/models/onehot.py: Basenji-like, many bins × tracks) becomes a
bundle with task "profile": output "profile" [batch, bins, tracks], the central --bins bins of the
input, and grover.json "tracks" (--track-names) and "profile" {bin_size, bins, offset}. grover predict
writes its tracks as bedGraph / bigWig / TSV.
"""
import argparse
import datetime
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from export.bundle import fail, run_onnx_feeds, sha256, write_grover_json
from models.onehot import DanQ, ProfileCNN, ScanCNN, ScanHead, ScanTrunk, danq_sizes, one_hot, profile_sizes


class ProfileExport(torch.nn.Module):
    """onehot [batch, length, 4] → profile [batch, bins, tracks]."""
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, onehot):
        return self.model(onehot.permute(0, 2, 1))


class BinaryExport(torch.nn.Module):
    """onehot [batch, length, 4] → logits [batch, 2] = [0, z_target]: softmax(logits)[1] = σ(z)."""
    def __init__(self, model, target):
        super().__init__()
        self.model = model
        self.target = target

    def forward(self, onehot):
        z = self.model.logits(onehot.permute(0, 2, 1))[:, self.target]
        return torch.stack([torch.zeros_like(z), z], dim=1)


def run_onnx(path, x):
    """The graph's first output for a one-hot batch x [batch, length, 4], run by onnxruntime-node."""
    return run_onnx_feeds(path, {"onehot": {"float32": x.reshape(-1).tolist(), "dims": list(x.shape)}})[0][1]


def check_batch(L):
    """Three one-hot inputs of length L: random bases, one with an N run, one with a zero-padded tail (a short last window)."""
    r = random.Random(0)
    seqs = ["".join(r.choice("ACGT") for _ in range(L)) for _ in range(3)]
    seqs[1] = seqs[1][:100] + "N" * 50 + seqs[1][150:]
    x = torch.stack([one_hot(s) for s in seqs])
    x[2, L - 137:] = 0
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--arch", default="danq", choices=["danq", "profile", "scan"])
    ap.add_argument("--labels", default="negative,positive", help="scan: label names in output order; the last is the positive label")
    ap.add_argument("--window", type=int, default=1000, help="scan: the default window (bp) of grover predict")
    ap.add_argument("--untrained", action="store_true", help="scan: mark the bundle as a test fixture with random weights (grover warns)")
    ap.add_argument("--bins", type=int, help="profile: output bins (a central crop; default half the input's bins)")
    ap.add_argument("--track-names", help="profile: comma-separated names of the output tracks (default track0, track1, …)")
    ap.add_argument("--sequence-length", type=int, default=1000)
    ap.add_argument("--target", type=int, default=0, help="index of the target (output) the bundle classifies")
    ap.add_argument("--target-name", help="label of that target (default target<INDEX>)")
    ap.add_argument("--name")
    ap.add_argument("--stride", type=int, help="scan stride in bp (default a fifth of the sequence length)")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--license", default="see the checkpoint's model card")
    a = ap.parse_args()
    if not os.path.exists(a.checkpoint):
        fail(f"{a.checkpoint} does not exist")
    ck = torch.load(a.checkpoint, map_location="cpu")
    sd = ck.get("state_dict", ck) if isinstance(ck, dict) else None
    if not isinstance(sd, dict):
        fail(f"{a.checkpoint} is not a state_dict or a {{'state_dict': ...}} checkpoint")
    sd = {k[len("module."):] if k.startswith("module.") else k: v.float() for k, v in sd.items()}
    if a.arch == "profile":
        return export_profile(a, sd)
    if a.arch == "scan":
        sizes = ck.get("sizes") if isinstance(ck, dict) else None
        if not isinstance(sizes, dict) or "convs" not in sizes:
            fail(f"{a.checkpoint} is not a ScanCNN checkpoint: it needs {{'state_dict': ..., 'sizes': {{'convs': ...}}}} (scripts/models/onehot.py)")
        model = ScanCNN(sizes)
        try:
            model.load_state_dict(sd)
        except RuntimeError as e:
            fail(f"{a.checkpoint}: the weights do not fit the sizes it gives ({str(e).splitlines()[0]})")
        labels = a.labels.split(",")
        if len(labels) != sizes["labels"]:
            fail(f"--labels gives {len(labels)} names, the model has {sizes['labels']} outputs")
        meta = {"name": a.name or os.path.basename(os.path.normpath(a.out)), "trained": not a.untrained,
                "description": ("TEST FIXTURE: random, untrained weights; its outputs mean nothing. " if a.untrained else "")
                + "one-hot CNN scanned fully convolutionally",
                "labels": labels, "positive_label": labels[-1], "threshold": a.threshold, "window": a.window,
                "stride": a.stride or max(1, a.window // 5), "license": a.license,
                "provenance": {"script": "scripts/export/export_onehot.py --arch scan", "checkpoint": os.path.basename(a.checkpoint),
                               "weights_sha256": sha256(a.checkpoint), "exported": datetime.date.today().isoformat()}}
        try:
            write_scan_bundle(model, a.out, meta)
        except ValueError as e:
            fail(str(e))
        return
    need = ["nnet.0.weight", "bdlstm.0.weight_hh_l0", "classifier.1.weight", "classifier.3.weight"]
    missing = [k for k in need if k not in sd]
    if missing:
        fail(f"{a.checkpoint} is not a DanQ checkpoint in Selene's layout: it lacks {missing}")
    try:
        sizes = danq_sizes(sd, a.sequence_length)
    except ValueError as e:
        fail(str(e))
    if not 0 <= a.target < sizes["targets"]:
        fail(f"--target {a.target} is out of range: the model has {sizes['targets']} targets (0-{sizes['targets'] - 1})")
    model = DanQ(sizes)
    model.load_state_dict(sd)
    model.eval()
    wrapped = BinaryExport(model, a.target).eval()
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.onnx")
    L = a.sequence_length
    with torch.no_grad():
        torch.onnx.export(wrapped, (torch.zeros(2, L, 4),), path, input_names=["onehot"], output_names=["logits"],
                          dynamic_axes={"onehot": {0: "batch"}, "logits": {0: "batch"}}, opset_version=14, do_constant_folding=True)
    # check: three sequences, one with an N run, one with a zero-padded tail (a short last window)
    x = check_batch(L)
    with torch.no_grad():
        ref = wrapped(x).numpy()
        p_ref = model(x.permute(0, 2, 1))[:, a.target].numpy()
    got = run_onnx(path, x.numpy())
    delta = float(np.abs(got - ref).max())
    p_got = 1 / (1 + np.exp(-(got[:, 1] - got[:, 0])))
    print(f"check: ONNX Runtime vs PyTorch on {tuple(x.shape)} one-hot inputs: max |Δ| = {delta:.3g} (tolerance 0.0001) [logits]; "
          f"softmax vs PyTorch sigmoid max |Δ| = {float(np.abs(p_got - p_ref).max()):.3g}", file=sys.stderr)
    if not delta <= 1e-4:
        fail(f"ONNX output differs from PyTorch by {delta:.3g} > 0.0001")
    target = a.target_name or f"target{a.target}"
    meta = {
        "format": 1, "name": a.name or os.path.basename(os.path.normpath(a.out)), "task": "classification",
        "description": f"DanQ (Quang & Xie 2016) one-hot CNN+BiLSTM, target {a.target} ({target}) of {sizes['targets']}",
        "trained": True, "labels": [f"not_{target}", target], "positive_label": target, "threshold": a.threshold,
        "window": L, "stride": a.stride or max(1, L // 5), "max_tokens": L,
        "tokenizer": {"kind": "onehot"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32", "inputs": {"onehot": "[batch, length, 4] A,C,G,T; N 0.25"},
                 "outputs": {"logits": "[batch, 2] = [0, pre-sigmoid score]"}},
        "architecture": {"type": "danq", **sizes},
        "provenance": {"script": "scripts/export/export_onehot.py", "checkpoint": os.path.basename(a.checkpoint),
                       "weights_sha256": sha256(a.checkpoint), "target_index": a.target,
                       "exported": datetime.date.today().isoformat(), "onnx_vs_pytorch_max_abs_delta": delta},
        "license": a.license,
    }
    write_grover_json(a.out, meta)
    print(f"wrote {a.out}: DanQ {sizes}", file=sys.stderr)


def scan_check_inputs(R, seed=0):
    """Real-like one-hot inputs for the scan checks: lengths R (the shortest), 137, 1000; an N run in one."""
    r = random.Random(seed)
    out = []
    for L in (R, 137, 1000):
        seqs = ["".join(r.choice("ACGT") for _ in range(L)) for _ in range(2)]
        if L > 100:
            seqs[1] = seqs[1][:40] + "N" * 30 + seqs[1][70:]
        out.append(torch.stack([one_hot(x) for x in seqs]))
    return out


def write_scan_bundle(model, out, meta):
    """Export a ScanCNN as a scan bundle in `out`: model.onnx, trunk.onnx, head.onnx and grover.json (meta gives
    name, description, labels, positive_label, threshold, window, stride, license, provenance and may add
    metrics/baseline/motif). Checked before grover.json is written: model.onnx against PyTorch on inputs of
    several lengths (≤ 1e-4), and trunk → window pooling → head against model.onnx on the windows of a
    3-kb chunk (≤ 1e-5), both run by onnxruntime-node. Returns the checks' numbers."""
    model.eval()
    out = os.path.abspath(out)
    R = model.receptive_field
    C = model.s["convs"][-1][1]
    os.makedirs(out, exist_ok=True)
    paths = {k: os.path.join(out, f"{k}.onnx") for k in ("model", "trunk", "head")}
    x0 = torch.zeros(2, max(R, 64), 4)
    with torch.no_grad():
        torch.onnx.export(model, (x0,), paths["model"], input_names=["onehot"], output_names=["logits"],
                          dynamic_axes={"onehot": {0: "batch", 1: "length"}, "logits": {0: "batch"}}, opset_version=14, do_constant_folding=True)
        # wrappers in eval mode: torch.onnx.export restores a module's mode afterwards, and a wrapper left in
        # training mode would switch the model's dropout back on
        torch.onnx.export(ScanTrunk(model).eval(), (x0,), paths["trunk"], input_names=["onehot"], output_names=["features"],
                          dynamic_axes={"onehot": {0: "batch", 1: "length"}, "features": {0: "batch", 2: "positions"}}, opset_version=14, do_constant_folding=True)
        width = C * len(model.s["pooling"])
        torch.onnx.export(ScanHead(model).eval(), (torch.zeros(2, width),), paths["head"], input_names=["pooled"], output_names=["logits"],
                          dynamic_axes={"pooled": {0: "batch"}, "logits": {0: "batch"}}, opset_version=14, do_constant_folding=True)
    model.eval()
    delta = 0.0
    worst = None
    for x in scan_check_inputs(R):
        with torch.no_grad():
            ref = model(x).numpy()
        d = float(np.abs(run_onnx(paths["model"], x.numpy()) - ref).max())
        if d > delta:
            delta, worst = d, x.shape[1]
    if not delta <= 1e-4:
        raise ValueError(f"model.onnx differs from PyTorch by {delta:.3g} > 0.0001 (inputs of {worst} bp)")
    # the scan path: one trunk pass over a chunk, windows pooled out of it, the head on the pooled features
    r = random.Random(1)
    chunk = one_hot("".join(r.choice("ACGT") for _ in range(3000)))[None]
    feats = run_onnx_feeds(paths["trunk"], {"onehot": {"float32": chunk.reshape(-1).tolist(), "dims": list(chunk.shape)}})[0][1][0]
    starts = list(range(0, 2001, 250))
    pooled = []
    for st in starts:
        parts = []
        for p in model.s["pooling"]:
            c = p.get("center")
            a, n = (st + (1000 - c) // 2, c - R + 1) if c is not None and c < 1000 else (st, 1000 - R + 1)
            f = feats[:, a:a + n]
            parts.append(f.max(axis=1) if p["op"] == "max" else f.mean(axis=1))
        pooled.append(np.concatenate(parts))
    pooled = np.stack(pooled).astype(np.float32)
    got = run_onnx_feeds(paths["head"], {"pooled": {"float32": pooled.reshape(-1).tolist(), "dims": list(pooled.shape)}})[0][1]
    wins = torch.cat([chunk[:, st:st + 1000] for st in starts])
    want = run_onnx(paths["model"], wins.numpy())
    scan_delta = float(np.abs(got - want).max())
    if not scan_delta <= 1e-5:
        raise ValueError(f"trunk + pooling + head differ from model.onnx by {scan_delta:.3g} > 1e-5 on the windows of one chunk: "
                         "is every convolution valid (unpadded) with stride 1?")
    print(f"check: model.onnx vs PyTorch max |Δ| = {delta:.3g} (tolerance 1e-4); trunk + pooling + head vs model.onnx on "
          f"{len(starts)} windows of a 3-kb chunk: max |Δ| = {scan_delta:.3g} (tolerance 1e-5)", file=sys.stderr)
    grover = {
        "format": 1, "name": meta["name"], "task": "classification", "description": meta["description"], "trained": meta.get("trained", True),
        "labels": meta["labels"], "positive_label": meta["positive_label"], "threshold": meta["threshold"],
        "window": meta["window"], "stride": meta["stride"], "max_tokens": 1 << 20,
        "tokenizer": {"kind": "onehot"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32", "input_length": "any", "min_length": R,
                 "inputs": {"onehot": "[batch, length, 4] A,C,G,T; N 0.25; any length ≥ min_length"},
                 "outputs": {"logits": f"[batch, {len(meta['labels'])}]"},
                 "scan": {"trunk": "trunk.onnx", "head": "head.onnx", "receptive_field": R, "channels": C, "pooling": list(model.s["pooling"])}},
        "architecture": {"type": "scan-cnn", **model.s, "receptive_field": R,
                         "parameters": int(sum(p.numel() for p in model.parameters()))},
        **{k: meta[k] for k in ("motif", "metrics", "baseline") if k in meta},
        "provenance": {**meta.get("provenance", {}), "onnx_vs_pytorch_max_abs_delta": delta, "scan_vs_model_max_abs_delta": scan_delta},
        "license": meta["license"],
    }
    write_grover_json(out, grover)
    return {"onnx_vs_pytorch": delta, "scan_vs_model": scan_delta}


def export_profile(a, sd):
    for k in ("stem.0.weight", "head.0.weight"):
        if k not in sd:
            fail(f"{a.checkpoint} is not a ProfileCNN checkpoint (scripts/models/onehot.py): it lacks {k}")
    L = a.sequence_length
    towers = sum(1 for k in sd if k.startswith("tower.") and k.endswith(".0.weight"))
    bins = a.bins or L // (2 ** towers) // 2
    try:
        sizes = profile_sizes(sd, L, bins)
    except ValueError as e:
        fail(str(e))
    names = a.track_names.split(",") if a.track_names else [f"track{i}" for i in range(sizes["tracks"])]
    if len(names) != sizes["tracks"]:
        fail(f"--track-names gives {len(names)} names, the model has {sizes['tracks']} tracks")
    model = ProfileCNN(sizes)
    model.load_state_dict(sd)
    model.eval()
    wrapped = ProfileExport(model).eval()
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(wrapped, (torch.zeros(2, L, 4),), path, input_names=["onehot"], output_names=["profile"],
                          dynamic_axes={"onehot": {0: "batch"}, "profile": {0: "batch"}}, opset_version=14, do_constant_folding=True)
    x = check_batch(L)
    with torch.no_grad():
        ref = wrapped(x).numpy()
    got = run_onnx(path, x.numpy())
    delta = float(np.abs(got - ref).max())
    print(f"check: ONNX Runtime vs PyTorch on {tuple(x.shape)} one-hot inputs: max |Δ| = {delta:.3g} (tolerance 0.0001) [profile {got.shape}]", file=sys.stderr)
    if not delta <= 1e-4:
        fail(f"ONNX output differs from PyTorch by {delta:.3g} > 0.0001")
    span = sizes["bins"] * sizes["bin_size"]
    meta = {
        "format": 1, "name": a.name or os.path.basename(os.path.normpath(a.out)), "task": "profile",
        "description": f"Basenji-like profile CNN: {sizes['tracks']} tracks in {sizes['bins']} bins of {sizes['bin_size']} bp per {L}-bp input",
        "trained": True, "tracks": names,
        "profile": {"bin_size": sizes["bin_size"], "bins": sizes["bins"], "offset": sizes["offset"]},
        "window": L, "stride": a.stride or span, "max_tokens": L,
        "tokenizer": {"kind": "onehot"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32", "inputs": {"onehot": "[batch, length, 4] A,C,G,T; N 0.25"},
                 "outputs": {"profile": "[batch, bins, tracks]"}},
        "architecture": {"type": "profile-cnn", **sizes},
        "provenance": {"script": "scripts/export/export_onehot.py --arch profile", "checkpoint": os.path.basename(a.checkpoint),
                       "weights_sha256": sha256(a.checkpoint), "exported": datetime.date.today().isoformat(),
                       "onnx_vs_pytorch_max_abs_delta": delta},
        "license": a.license,
    }
    write_grover_json(a.out, meta)
    print(f"wrote {a.out}: profile CNN {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main()
