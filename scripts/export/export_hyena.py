#!/usr/bin/python3
"""Turn a HyenaDNA checkpoint in the layout of its Hugging Face port (LongSafari/hyenadna-*-seqlen-hf:
config.json, model.safetensors or pytorch_model.bin) into a grover bundle: model.onnx + tokenizer.json
+ grover.json.

Usage:
  /usr/bin/python3 scripts/export/export_hyena.py CHECKPOINT_DIR OUT_DIR [--task embedding|classification]
        [--max-length TOKENS] [--name NAME] [--window BP] [--stride BP] [--threshold P] [--positive-label LABEL]

HyenaDNAForCausalLM checkpoints become embedding bundles (grover embed; HyenaDNA is a causal model, not
a masked one, so grover fill does not apply); HyenaDNAForSequenceClassification ones become classifiers
(grover predict / score / evaluate), scored at the last real token as the HF port does. The tokenizer
is HyenaDNA's character table (grover's char kind: one token per base, [SEP] last;
scripts/common/dna_tokenizers.py). The long convolutions run in the time domain (scripts/models/hyena.py): the graph
takes any length up to --max-length tokens (default max_seq_len, at most 32,768; grover.json's
max_tokens), and costs grow as length × max-length per channel — pick the window you will run.
ONNX Runtime (onnxruntime-node) vs PyTorch: max |Δ| ≤ 1e-4 on a padded batch.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from models.bert import export_onnx
from common.dna_tokenizers import char_tokenizer_json
from export import checkpoint_cli
from export.bundle import classifier_labels, fail, load_state_dict, verify
from models.hyena import HyenaConfig, HyenaDNAForCausalLM, HyenaDNAForSequenceClassification


def main():
    ap = checkpoint_cli.parser(__doc__, tasks=["embedding", "classification"],
                               license="see the checkpoint's model card (HyenaDNA weights: Apache-2.0 per LongSafari)",
                               window_help="bp per window (default: the maximum length − 2)", stride_help="bp between windows (default half the window)")
    ap.add_argument("--max-length", type=int, help="longest input the graph takes, in tokens (default: max_seq_len, at most 32,768; cost grows as length × this)")
    a = ap.parse_args()
    ck = a.checkpoint
    config = checkpoint_cli.read_config(ck, "HyenaDNA", "config.json and the weights")
    if "d_model" not in config or "max_seq_len" not in config:
        fail(f"{ck}/config.json has no d_model / max_seq_len: not a HyenaDNA (HF port) config")
    arch, task = checkpoint_cli.task_of(config, a.task, "embedding")
    classifier = classifier_labels(config, a.positive_label) if task == "classification" else None
    if classifier:
        config["num_labels"] = len(classifier[0])
    try:
        cfg = HyenaConfig(**config)
    except ValueError as e:
        fail(str(e))
    model = HyenaDNAForCausalLM(cfg) if task == "embedding" else HyenaDNAForSequenceClassification(cfg)
    sd, weights = load_state_dict(ck)
    sd = {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}
    wanted = model.state_dict()
    for k in wanted:
        # the sine activation is one module shared by the filter's layers: safetensors keeps its freq once
        if k.endswith(".freq") and k not in sd:
            twin = next((s for s in sd if s.endswith(".freq") and s.rsplit(".implicit_filter.", 1)[0] == k.rsplit(".implicit_filter.", 1)[0]), None)
            if twin:
                sd[k] = sd[twin]
    if task == "embedding":
        sd.setdefault("lm_head.weight", wanted["lm_head.weight"])  # not used by the embedding graph
    missing = sorted(set(wanted) - set(sd))
    if missing:
        fail(f"the checkpoint lacks {len(missing)} parameters the {task} model needs, e.g. {missing[:4]}. Is --task right?")
    model.load_state_dict({k: v for k, v in sd.items() if k in wanted})
    model.eval()
    # The graph's fixed maximum length: the long filter is materialised at this many taps and every
    # input (up to it) is convolved with them, so cost is length × max_length per channel. The first
    # taps are the same whatever the cut, so results equal HyenaDNA's for any input up to it.
    max_tokens = a.max_length or min(cfg.max_seq_len, 32768)
    if max_tokens > cfg.max_seq_len:
        fail(f"--max-length {max_tokens} exceeds the model's max_seq_len {cfg.max_seq_len}")
    for layer in model.hyena.backbone.layers:
        layer.mixer.l_max = max_tokens
    window = a.window or max_tokens - 2
    if window + 1 > max_tokens:
        fail(f"--window {window} bp is {window + 1} tokens with [SEP], more than the model's {max_tokens}")
    stride = a.stride or max(1, window // 2)
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "model.onnx")
    export_onnx(model, task, onnx_path)
    delta = verify(model, task, onnx_path, cfg.vocab_size, "fp32")
    with open(os.path.join(a.out, "tokenizer.json"), "w") as fh:
        json.dump(char_tokenizer_json(), fh)
    checkpoint_cli.write_bundle(
        a, task=task, description=f"HyenaDNA {arch or ''} exported by scripts/export/export_hyena.py (long convolutions in the time domain)",
        window=window, stride=stride, max_tokens=max_tokens, tokenizer="char", precision="fp32", delta=delta, arch_type="hyenadna", cfg=cfg,
        weights=weights, config=config, script="scripts/export/export_hyena.py", classifier=classifier, max_length=max_tokens)
    print(f"wrote bundle {a.out} ({task}, HyenaDNA, max {max_tokens} tokens, {os.path.getsize(onnx_path) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
