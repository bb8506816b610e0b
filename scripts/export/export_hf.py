#!/usr/bin/python3
"""Turn a Hugging Face BERT checkpoint (as published for PoetschLab/GROVER, or a GROVER fine-tuned as
in its CTCF tutorial) into a grover bundle: model.onnx + tokenizer.json + grover.json.

Usage:
  /usr/bin/python3 scripts/export/export_hf.py CHECKPOINT_DIR OUT_DIR [--task masked-lm|classification|embedding]
        [--fp16] [--name NAME] [--window BP] [--stride BP] [--threshold P] [--positive-label LABEL]

CHECKPOINT_DIR holds config.json, model.safetensors or pytorch_model.bin, and tokenizer.json.
DNABERT-2 checkpoints (zhihan1996/DNABERT-2-117M and its fine-tunes: config.json with alibi_starting_size,
weights with attention.self.Wqkv) export too: the same BERT with ALiBi attention bias instead of position
embeddings, a fused Wqkv projection and a gated-linear-unit feed-forward, computed in plain PyTorch
(scripts/models/bert.py), so neither its Triton flash-attention kernel nor a GPU is needed.
No `transformers` needed: the weights load into plain PyTorch modules with the same parameter names
(scripts/models/bert.py). The ONNX graph (opset 14, dynamic batch and token axes) is then run with
onnxruntime-node, the runtime grover uses, on a padded random batch and compared with PyTorch:
max |Δ| must be ≤ 1e-4 (fp32) or ≤ 1e-2 (--fp16: weights stored as float16, computed in float32).
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from models.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel, export_attentions_onnx, export_onnx
from export import checkpoint_cli
from export.bundle import classifier_labels, fail, load_state_dict, verify, verify_attentions

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


def main():
    ap = checkpoint_cli.parser(__doc__, tasks=["masked-lm", "classification", "embedding"], license="see the checkpoint's model card",
                               window=1000, stride=500)
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--attentions", action="store_true", help="also write model-attn.onnx, the graph with attention outputs (grover attention)")
    args = ap.parse_args()
    ck = args.checkpoint
    config = checkpoint_cli.read_config(ck, "Hugging Face", "config.json, tokenizer.json and the weights", ("config.json", "tokenizer.json"))
    if config.get("model_type", "bert") != "bert":
        fail(f"model_type {config.get('model_type')!r} is not BERT; this script exports BERT (GROVER) checkpoints")
    sd, weights = load_state_dict(ck)
    # DNABERT-2 (MosaicBERT layers): ALiBi, fused Wqkv, GLU feed-forward; its config.json names bert_layers.py
    dnabert2 = "alibi_starting_size" in config or any(".attention.self.Wqkv." in k for k in sd)
    if dnabert2:
        config["alibi"] = True
    elif config.get("position_embedding_type", "absolute") != "absolute":
        fail(f"position_embedding_type {config['position_embedding_type']!r} is not supported (only absolute, as GROVER)")
    arch, task = checkpoint_cli.task_of(config, args.task, "masked-lm")
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
    checkpoint_cli.write_bundle(
        args, task=task, description=f"{'DNABERT-2 ' if dnabert2 else ''}{arch or 'BERT'} exported from a Hugging Face checkpoint by scripts/export/export_hf.py",
        window=args.window, stride=args.stride, max_tokens=cfg.max_position_embeddings, tokenizer="bpe", precision=precision, delta=delta,
        arch_type="dnabert2" if dnabert2 else "bert", cfg=cfg, weights=weights, config=config, script="scripts/export/export_hf.py",
        classifier=classifier, **({"attentions_file": "model-attn.onnx"} if args.attentions else {}))
    print(f"wrote bundle {args.out} ({task}, {precision}, {os.path.getsize(onnx_path) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
