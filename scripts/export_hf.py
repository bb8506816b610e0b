#!/usr/bin/python3
"""Turn a Hugging Face BERT checkpoint (as published for PoetschLab/GROVER, or a GROVER fine-tuned as
in its CTCF tutorial) into a grover bundle: model.onnx + tokenizer.json + grover.json.

Usage:
  /usr/bin/python3 scripts/export_hf.py CHECKPOINT_DIR OUT_DIR [--task masked-lm|classification|embedding]
        [--fp16] [--name NAME] [--window BP] [--stride BP] [--threshold P] [--positive-label LABEL]

CHECKPOINT_DIR holds config.json, model.safetensors or pytorch_model.bin, and tokenizer.json.
DNABERT-2 checkpoints (zhihan1996/DNABERT-2-117M and its fine-tunes: config.json with alibi_starting_size,
weights with attention.self.Wqkv) export too: the same BERT with ALiBi attention bias instead of position
embeddings, a fused Wqkv projection and a gated-linear-unit feed-forward, computed in plain PyTorch
(scripts/bert.py), so neither its Triton flash-attention kernel nor a GPU is needed.
No `transformers` needed: the weights load into plain PyTorch modules with the same parameter names
(scripts/bert.py). The ONNX graph (opset 14, dynamic batch and token axes) is then run with
onnxruntime-node, the runtime grover uses, on a padded random batch and compared with PyTorch:
max |Δ| must be ≤ 1e-4 (fp32) or ≤ 1e-2 (--fp16: weights stored as float16, computed in float32).
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

from bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel, export_attentions_onnx, export_onnx
from safetensors_io import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
TOL = {"fp32": 1e-4, "fp16": 1e-2}


def fail(msg):
    print(f"export_hf.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load_state_dict(ckpt):
    st = os.path.join(ckpt, "model.safetensors")
    binp = os.path.join(ckpt, "pytorch_model.bin")
    if os.path.exists(st):
        return load_file(st), st
    if os.path.exists(binp):
        return torch.load(binp, map_location="cpu"), binp
    fail(f"{ckpt} has neither model.safetensors nor pytorch_model.bin")


def normalise_names(sd):
    """Old TF-converted BERT checkpoints name LayerNorm parameters gamma/beta."""
    out = {}
    for k, v in sd.items():
        k = k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        out[k] = v.float() if v.is_floating_point() else v
    if "cls.predictions.bias" not in out and "cls.predictions.decoder.bias" in out:
        out["cls.predictions.bias"] = out["cls.predictions.decoder.bias"]  # MosaicBERT (DNABERT-2) keeps it there
    return out


# Keys a published checkpoint may carry that the exported graph does not use.
IGNORED = ("bert.embeddings.position_ids", "cls.seq_relationship.", "cls.predictions.decoder.bias")


def build(task, cfg, sd):
    if task == "classification":
        model = BertForSequenceClassification(cfg)
    elif task == "masked-lm":
        model = BertForMaskedLM(cfg)
    else:
        model = BertModel(cfg, add_pooling_layer=False)
        sd = {k[len("bert."):]: v for k, v in sd.items() if k.startswith("bert.")} or sd
    if task == "masked-lm" and "cls.predictions.decoder.weight" not in sd:
        sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
    wanted = set(model.state_dict().keys())
    sd_used = {k: v for k, v in sd.items() if k in wanted}
    unused = sorted(k for k in sd if k not in wanted and not k.startswith(IGNORED) and "pooler" not in k)
    missing = sorted(wanted - set(sd_used))
    if missing:
        fail(f"the checkpoint lacks {len(missing)} parameters the {task} model needs, e.g. {missing[:4]}. "
             f"Is --task right? (classification needs a fine-tuned BertForSequenceClassification checkpoint)")
    if unused:
        print(f"note: {len(unused)} checkpoint tensors not used by a {task} export, e.g. {unused[:3]}", file=sys.stderr)
    model.load_state_dict(sd_used)
    model.eval()
    return model


def to_fp16_weights(path):
    """Store every float initializer as float16 with a Cast back to float32 (halves the file; compute stays fp32)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(path)
    g = m.graph
    casts, keep = [], []
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and np.prod(init.dims) >= 16:
            arr = numpy_helper.to_array(init).astype(np.float16)
            half = numpy_helper.from_array(arr, init.name + "__fp16")
            keep.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=init.name + "__cast"))
        else:
            keep.append(init)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def run_onnx_feeds(onnx_path, feeds, who="export"):
    """Run a graph with onnxruntime-node (scripts/onnx_run.mjs) on feeds {name: int rows | {"float32", "dims"}};
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--task", choices=["masked-lm", "classification", "embedding"])
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--attentions", action="store_true", help="also write model-attn.onnx, the graph with attention outputs (grover attention)")
    ap.add_argument("--name")
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--stride", type=int, default=500)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--positive-label")
    ap.add_argument("--license", default="see the checkpoint's model card")
    args = ap.parse_args()
    ck = args.checkpoint
    for f in ("config.json", "tokenizer.json"):
        if not os.path.exists(os.path.join(ck, f)):
            fail(f"{ck} has no {f}; a Hugging Face checkpoint directory holds config.json, tokenizer.json and the weights")
    config = json.load(open(os.path.join(ck, "config.json")))
    if config.get("model_type", "bert") != "bert":
        fail(f"model_type {config.get('model_type')!r} is not BERT; this script exports BERT (GROVER) checkpoints")
    sd, weights = load_state_dict(ck)
    # DNABERT-2 (MosaicBERT layers): ALiBi, fused Wqkv, GLU feed-forward; its config.json names bert_layers.py
    dnabert2 = "alibi_starting_size" in config or any(".attention.self.Wqkv." in k for k in sd)
    if dnabert2:
        config["alibi"] = True
    elif config.get("position_embedding_type", "absolute") != "absolute":
        fail(f"position_embedding_type {config['position_embedding_type']!r} is not supported (only absolute, as GROVER)")
    arch = (config.get("architectures") or [""])[0]
    task = args.task or ("classification" if "SequenceClassification" in arch else "masked-lm")
    classifier = classifier_labels(config, args.positive_label) if task == "classification" else None
    if classifier:
        config["num_labels"] = len(classifier[0])
    cfg = BertConfig(**config)
    tok = json.load(open(os.path.join(ck, "tokenizer.json")))
    tok_vocab = max(list(tok["model"]["vocab"].values()) + [t["id"] for t in tok.get("added_tokens", [])]) + 1
    if tok_vocab > cfg.vocab_size:
        fail(f"tokenizer.json has {tok_vocab} ids but the model's vocab_size is {cfg.vocab_size}: they do not belong together")
    model = build(task, cfg, normalise_names(sd))
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    export_onnx(model, task, onnx_path)
    precision = "fp16" if args.fp16 else "fp32"
    if args.fp16:
        to_fp16_weights(onnx_path)
    delta = verify(model, task, onnx_path, cfg.vocab_size, precision)
    if args.attentions:
        export_attentions_onnx(model, os.path.join(args.out, "model-attn.onnx"))
        verify_attentions(model, os.path.join(args.out, "model-attn.onnx"), cfg.vocab_size)
    shutil.copy(os.path.join(ck, "tokenizer.json"), os.path.join(args.out, "tokenizer.json"))
    name = args.name or os.path.basename(os.path.normpath(args.out))
    meta = {
        "format": 1, "name": name, "task": task,
        "description": f"{'DNABERT-2 ' if dnabert2 else ''}{arch or 'BERT'} exported from a Hugging Face checkpoint by scripts/export_hf.py",
        "window": args.window, "stride": args.stride, "max_tokens": cfg.max_position_embeddings,
        "tokenizer": {"kind": "bpe", "file": "tokenizer.json"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": precision,
                 "max_abs_diff_vs_pytorch": float(f"{delta:.3g}"),
                 **({"attentions_file": "model-attn.onnx"} if args.attentions else {})},
        "architecture": {"type": "dnabert2" if dnabert2 else "bert", **{k: v for k, v in cfg.to_dict().items() if k != "model_type"}},
        "provenance": provenance(ck, weights, config, "scripts/export_hf.py"),
        "license": args.license,
        "metrics": {},
    }
    write_grover_json(args.out, meta, classifier, args.threshold)
    print(f"wrote bundle {args.out} ({task}, {precision}, {os.path.getsize(onnx_path) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
