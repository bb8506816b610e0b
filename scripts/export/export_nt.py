#!/usr/bin/python3
"""Turn a Nucleotide Transformer checkpoint (Hugging Face layout, as InstaDeep publishes
InstaDeepAI/nucleotide-transformer-*: config.json with model_type esm, model.safetensors or
pytorch_model.bin, vocab.txt) into a grover bundle: model.onnx + tokenizer.json + grover.json.

Usage:
  /usr/bin/python3 scripts/export/export_nt.py CHECKPOINT_DIR OUT_DIR [--task masked-lm|classification|embedding]
        [--attentions] [--name NAME] [--window BP] [--stride BP] [--threshold P] [--positive-label LABEL]

No `transformers` and no trust_remote_code: the weights load into plain PyTorch modules with the same
parameter names (scripts/models/esm.py), v1 (absolute positions, GELU) and v2 (rotary, SwiGLU, no FFN biases)
alike. vocab.txt becomes a tokenizer.json of grover's k-mer kind (6-mers left to right, single bases
for a remainder or around N, <cls> first; scripts/common/dna_tokenizers.py). The ONNX graph (opset 14,
dynamic batch and token axes) is run with onnxruntime-node and compared with PyTorch: max |Δ| ≤ 1e-4.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from common.dna_tokenizers import kmer_tokenizer_json, read_vocab_txt
from models.esm import EsmConfig, EsmForMaskedLM, EsmForSequenceClassification, EsmModel
from models.bert import export_attentions_onnx, export_onnx
from export import checkpoint_cli
from export.bundle import classifier_labels, fail, load_state_dict, verify, verify_attentions

IGNORED = ("esm.contact_head.", "esm.embeddings.position_ids")


def main():
    ap = checkpoint_cli.parser(__doc__, tasks=["masked-lm", "classification", "embedding"],
                               license="see the checkpoint's model card (NT weights: CC BY-NC-SA 4.0)",
                               window_help="bp per window (6-mers: about window/6 tokens; default 6000, or what the model's positions allow)",
                               stride_help="bp between windows (default half the window)")
    ap.add_argument("--attentions", action="store_true", help="also write model-attn.onnx, the graph with attention outputs (grover attention)")
    a = ap.parse_args()
    ck = a.checkpoint
    config = checkpoint_cli.read_config(ck, "Nucleotide Transformer", "config.json, vocab.txt and the weights")
    if config.get("model_type") != "esm":
        fail(f"model_type {config.get('model_type')!r} is not esm; Nucleotide Transformer checkpoints are ESM models (GROVER/DNABERT-2: scripts/export/export_hf.py)")
    vocab_path = os.path.join(ck, "vocab.txt")
    if not os.path.exists(vocab_path):
        fail(f"{ck} has no vocab.txt (NT's tokenizer vocabulary, one token per line)")
    tokens = read_vocab_txt(vocab_path)
    if len(tokens) > config["vocab_size"]:
        fail(f"vocab.txt has {len(tokens)} tokens but the model's vocab_size is {config['vocab_size']}: they do not belong together")
    arch, task = checkpoint_cli.task_of(config, a.task, "masked-lm")
    sd, weights = load_state_dict(ck)
    sd = {k: v.float() if v.is_floating_point() else v for k, v in sd.items() if not k.startswith(IGNORED)}
    inter = sd.get("esm.encoder.layer.0.intermediate.dense.weight")
    if inter is None:
        fail(f"{weights} has no esm.encoder.layer.0.intermediate.dense.weight: not an NT/ESM checkpoint")
    glu = inter.shape[0] == 2 * config["intermediate_size"]
    classifier = classifier_labels(config, a.positive_label) if task == "classification" else None
    cfg = EsmConfig(**{**config, "glu": glu, "num_labels": len(classifier[0]) if classifier else 2})
    if task == "masked-lm":
        model = EsmForMaskedLM(cfg)
    elif task == "classification":
        model = EsmForSequenceClassification(cfg)
    else:
        model = EsmModel(cfg)
        sd = {k[len("esm."):]: v for k, v in sd.items() if k.startswith("esm.")}
    wanted = set(model.state_dict().keys())
    missing = sorted(wanted - set(sd))
    if missing:
        fail(f"the checkpoint lacks {len(missing)} parameters the {task} model needs, e.g. {missing[:4]}. Is --task right?")
    unused = sorted(set(sd) - wanted)
    if unused:
        print(f"note: {len(unused)} checkpoint tensors not used by a {task} export, e.g. {unused[:3]}", file=sys.stderr)
    absolute = cfg.position_embedding_type == "absolute"
    # absolute positions start after the padding index (RoBERTa-style ids), so the first pad+1 are never used
    max_tokens = cfg.max_position_embeddings - (cfg.pad_token_id + 1 if absolute else 0)
    window = a.window or min(6000, 6 * (max_tokens - 1))
    if (window + 5) // 6 + 1 > max_tokens:
        fail(f"--window {window} bp is about {(window + 5) // 6 + 1} tokens, more than the model's {max_tokens}")
    stride = a.stride or max(1, window // 2)
    model.load_state_dict({k: v for k, v in sd.items() if k in wanted})
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "model.onnx")
    export_onnx(model, task, onnx_path)
    delta = verify(model, task, onnx_path, cfg.vocab_size, "fp32")
    if a.attentions:
        export_attentions_onnx(model, os.path.join(a.out, "model-attn.onnx"))
        verify_attentions(model, os.path.join(a.out, "model-attn.onnx"), cfg.vocab_size)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as fh:
        json.dump(kmer_tokenizer_json(tokens), fh)
    checkpoint_cli.write_bundle(
        a, task=task, description=f"Nucleotide Transformer {'v2 (rotary, SwiGLU)' if glu else 'v1 (absolute positions, GELU)'} {arch or 'ESM'} exported by scripts/export/export_nt.py",
        window=window, stride=stride, max_tokens=max_tokens, tokenizer="kmer", precision="fp32", delta=delta, arch_type="esm", cfg=cfg,
        weights=weights, config=config, script="scripts/export/export_nt.py", classifier=classifier,
        **({"attentions_file": "model-attn.onnx"} if a.attentions else {}))
    print(f"wrote bundle {a.out} ({task}, NT {'v2' if glu else 'v1'}, {os.path.getsize(onnx_path) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
