"""The command line, config reading and grover.json that the three transformer exporters (export_hf.py,
export_nt.py, export_hyena.py) share: CHECKPOINT_DIR OUT_DIR [--task] [--name] [--window] [--stride]
[--threshold] [--positive-label] [--license]; each adds its own options to the parser."""
import argparse
import json
import os

from export.bundle import fail, provenance, write_grover_json


def parser(doc, *, tasks, license, window=None, stride=None, window_help=None, stride_help=None):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--task", choices=tasks)
    ap.add_argument("--name")
    ap.add_argument("--window", type=int, default=window, help=window_help)
    ap.add_argument("--stride", type=int, default=stride, help=stride_help)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--positive-label")
    ap.add_argument("--license", default=license)
    return ap


def read_config(ck, family, holds, files=("config.json",)):
    """config.json of a checkpoint directory, after checking that the files it must hold are there."""
    for f in files:
        if not os.path.exists(os.path.join(ck, f)):
            fail(f"{ck} has no {f}; a {family} checkpoint directory holds {holds}")
    return json.load(open(os.path.join(ck, "config.json")))


def task_of(config, task, default):
    """The checkpoint's architecture name and the task to export: --task, else classification for a
    *SequenceClassification checkpoint, else `default`."""
    arch = (config.get("architectures") or [""])[0]
    return arch, task or ("classification" if "SequenceClassification" in arch else default)


def write_bundle(a, *, task, description, window, stride, max_tokens, tokenizer, precision, delta, arch_type, cfg,
                 weights, config, script, classifier, **onnx_extra):
    """OUT/grover.json of an exported transformer (the ONNX graph and tokenizer are already written)."""
    meta = {
        "format": 1, "name": a.name or os.path.basename(os.path.normpath(a.out)), "task": task, "description": description,
        "window": window, "stride": stride, "max_tokens": max_tokens,
        "tokenizer": {"kind": tokenizer, "file": "tokenizer.json"},
        "onnx": {"file": "model.onnx", "opset": 14, "precision": precision, "max_abs_diff_vs_pytorch": float(f"{delta:.3g}"), **onnx_extra},
        "architecture": {"type": arch_type, **{k: v for k, v in cfg.to_dict().items() if k != "model_type"}},
        "provenance": provenance(a.checkpoint, weights, config, script),
        "license": a.license, "metrics": {},
    }
    write_grover_json(a.out, meta, classifier, a.threshold)
