"""What every exporter shares once a checkpoint is read: its weights file, the ONNX-vs-PyTorch checks run
with onnxruntime-node (the runtime grover uses, via onnx_run.mjs), classifier labels, provenance and
grover.json."""
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from common.paths import ROOT
from common.safetensors_io import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = {"fp32": 1e-4, "fp16": 1e-2}


def fail(msg):
    """Exit 2 with the message, named after the script that runs (export_hf.py, export_nt.py, ...)."""
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(2)


def load_state_dict(ckpt):
    st = os.path.join(ckpt, "model.safetensors")
    binp = os.path.join(ckpt, "pytorch_model.bin")
    if os.path.exists(st):
        return load_file(st), st
    if os.path.exists(binp):
        return torch.load(binp, map_location="cpu"), binp
    fail(f"{ckpt} has neither model.safetensors nor pytorch_model.bin")


def run_onnx_feeds(onnx_path, feeds, who="export"):
    """Run a graph with onnxruntime-node (scripts/export/onnx_run.mjs) on feeds {name: int rows | {"float32", "dims"}};
    returns [(output name, array), ...] in graph order."""
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, "in.json")
        out = os.path.join(d, "out")
        with open(inp, "w") as fh:
            json.dump(feeds, fh)
        res = subprocess.run(["node", os.path.join(HERE, "onnx_run.mjs"), onnx_path, inp, out], cwd=ROOT,
                             capture_output=True, text=True)
        if res.returncode != 0:
            fail(f"onnxruntime-node could not run {onnx_path}: {res.stderr.strip()[-500:]}")
        info = json.loads(res.stdout.strip().splitlines()[-1])
        return [(o["name"], np.fromfile(f"{out}.{i}", dtype=np.float32).reshape(o["dims"])) for i, o in enumerate(info)]


def run_onnx(onnx_path, ids, mask):
    return run_onnx_feeds(onnx_path, {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                                      "token_type_ids": np.zeros_like(ids).tolist()})


def verify(model, task, onnx_path, vocab_size, precision, seed=0):
    """Compare ONNX Runtime's output with PyTorch's on a padded random batch; returns max |Δ|."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab_size, (3, 40), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 25:] = 0
    mask[2, 10:] = 0
    ids[mask == 0] = 0
    with torch.no_grad():
        out = model(ids, mask)
    # what each ONNX output must equal (see bert._Export)
    refs = [out[0]] if task == "embedding" else [out[0], out[1]]
    got = run_onnx(onnx_path, ids.numpy(), mask.numpy())
    if len(got) != len(refs):
        fail(f"the ONNX graph has {len(got)} outputs, expected {len(refs)}")
    tol = TOL[precision]
    worst = 0.0
    for (name, g), ref in zip(got, refs):
        ref = ref.numpy()
        if g.shape != ref.shape:
            fail(f"ONNX output {name} has shape {g.shape}, PyTorch's {ref.shape}")
        sel = mask.numpy().astype(bool) if ref.ndim == 3 else np.ones(ref.shape[0], dtype=bool)
        delta = float(np.abs(g[sel] - ref[sel]).max())
        print(f"check: ONNX Runtime vs PyTorch on a padded batch {tuple(ids.shape)}: max |Δ| = {delta:.3g} "
              f"(tolerance {tol:g}, {precision}, output {ref.shape}) [{name}]", file=sys.stderr)
        if not delta <= tol:
            fail(f"ONNX output {name} differs from PyTorch by {delta:.3g} > {tol:g}")
        worst = max(worst, delta)
    return worst


def verify_attentions(model, onnx_path, vocab_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab_size, (2, 30), generator=g)
    mask = torch.ones_like(ids)
    with torch.no_grad():
        ref = torch.stack(model(ids, mask)[2]).numpy()
    (name, got), = run_onnx(onnx_path, ids.numpy(), mask.numpy())
    delta = float(np.abs(got - ref).max())
    print(f"check: attention graph vs PyTorch: max |Δ| = {delta:.3g} (output {ref.shape}) [{name}]", file=sys.stderr)
    if not delta <= 1e-4:
        fail(f"ONNX attentions differ from PyTorch by {delta:.3g}")


def classifier_labels(config, positive_label):
    """Labels of a classification checkpoint (config.json id2label, in output order) and the positive one,
    checked before anything is written."""
    id2label = config.get("id2label") or {str(i): f"LABEL_{i}" for i in range(config.get("num_labels", 2))}
    labels = [id2label[str(i)] for i in range(len(id2label))]
    pos = positive_label or labels[-1]
    if pos not in labels:
        fail(f"--positive-label {pos!r} is not one of the labels {labels}")
    return labels, pos


def provenance(ck, weights, config, script):
    return {"checkpoint": os.path.abspath(ck), "weights": os.path.basename(weights), "weights_sha256": sha256(weights),
            "architectures": config.get("architectures"), "exported": datetime.date.today().isoformat(), "script": script}


def write_grover_json(out, meta, classifier=None, threshold=0.5):
    """grover.json for a bundle; classifier = (labels, positive label) adds what predict needs."""
    if classifier:
        meta = {**meta, "labels": classifier[0], "positive_label": classifier[1], "threshold": threshold}
    with open(os.path.join(out, "grover.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
        fh.write("\n")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
