"""Stage export: the grover-mini and ctcf-lm bundles (ONNX checked against PyTorch, grover.json) and their model cards."""
import os
import shutil

import torch

from common.dna import write_json
from common.paths import MODELS
from export.bundle import verify, verify_attentions
from models.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, export_attentions_onnx, export_onnx
from train.lm_common import log


def stage_export(run):
    args = run.args
    tok = run.path("tokenizer.json")
    pre = torch.load(run.path("grover-mini.pt"))
    ft_path = run.path(f"{args.run}.pt")
    ft = torch.load(ft_path) if os.path.exists(ft_path) else None
    arch = {"type": "bert", **{k: v for k, v in pre["config"].items() if k != "model_type"}}
    common = {"format": 1, "trained": True, "window": 1000, "stride": 200, "max_tokens": 512,
              "tokenizer": {"kind": "bpe", "file": "tokenizer.json"}, "architecture": arch,
              "license": "MIT (weights trained here on public data; see data/SOURCES.md)"}
    def export_bundle(name, model_class, ck, task):
        """models/NAME with the shared tokenizer and the checkpoint's ONNX graph, checked against PyTorch."""
        out = os.path.join(MODELS, name)
        os.makedirs(out, exist_ok=True)
        shutil.copy(tok, os.path.join(out, "tokenizer.json"))
        m = model_class(BertConfig(**ck["config"]))
        m.load_state_dict(ck["state_dict"])
        export_onnx(m, task, os.path.join(out, "model.onnx"))
        return out, m, verify(m, task, os.path.join(out, "model.onnx"), ck["config"]["vocab_size"], "fp32")

    # grover-mini: masked LM
    out, m, mlm_delta = export_bundle("grover-mini", BertForMaskedLM, pre, "masked-lm")
    export_attentions_onnx(m, os.path.join(out, "model-attn.onnx"))
    verify_attentions(m, os.path.join(out, "model-attn.onnx"), pre["config"]["vocab_size"])
    write_json(os.path.join(out, "grover.json"), {
        **common, "name": "grover-mini", "task": "masked-lm",
        "description": "Small GROVER-architecture BERT masked-LM pre-trained here on 1 Mb-scale real human DNA",
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32", "attentions_file": "model-attn.onnx",
                 "outputs": {"logits": "[batch, tokens, vocab]", "last_hidden_state": "[batch, tokens, hidden]"}},
        "provenance": {"script": "scripts/train/train_lm.py --stage pretrain", "seed": args.seed, "steps": pre["steps"],
                       "train_tokens": pre["train_tokens"], "minutes_on_2_cpu_cores": round(pre["minutes"], 1),
                       "data": "data/chr22_20M.fa (first 900 kb) + CTCF training split, both strands"},
        "metrics": {"heldout": pre["metrics"]}})
    write_mini_card(pre, arch, mlm_delta, args)
    log("export: wrote models/grover-mini")
    if ft is None:
        log(f"export: no fine-tuned checkpoint {ft_path}; models/ctcf-lm left as it is")
        return
    # ctcf: classifier
    out, m, cls_delta = export_bundle("ctcf-lm", BertForSequenceClassification, ft, "classification")
    r = ft["result"]
    write_json(os.path.join(out, "grover.json"), {
        **common, "name": "ctcf-lm", "task": "classification",
        "description": "CTCF binding classifier: grover-mini fine-tuned on 1-kb CTCF-bound vs unbound human sequences",
        "labels": ["unbound", "bound"], "positive_label": "bound", "threshold": r["threshold"],
        "onnx": {"file": "model.onnx", "opset": 14, "precision": "fp32",
                 "outputs": {"logits": "[batch, 2]", "last_hidden_state": "[batch, tokens, hidden]"}},
        "provenance": {"script": "scripts/train/train_lm.py --stage finetune", "seed": args.seed, "base": "grover-mini",
                       "best_epoch": r["best_epoch"], "minutes_on_2_cpu_cores": r["minutes"],
                       "data": "data/ctcf (ReMap 2020 + UniBind, hg38), split data/ctcf/split.tsv"},
        "metrics": {"valid": r["valid"], "test": r["test"]},
        "baseline": {"pwm": {"motif": "JASPAR MA0139.1", "valid": r["pwm"]["valid"], "test": r["pwm"]["test"],
                             "threshold_log_odds": r["pwm"]["threshold_log_odds"]}}})
    write_ctcf_card(pre, ft, arch, cls_delta)
    log("export: wrote models/ctcf-lm")


def _shape(arch):
    return (f"BERT encoder, {arch['num_hidden_layers']} layers, hidden {arch['hidden_size']}, "
            f"{arch['num_attention_heads']} heads, intermediate {arch['intermediate_size']}, "
            f"{arch['max_position_embeddings']} positions, vocabulary {arch['vocab_size']} "
            f"(600 BPE merges + A/C/G/T/N + 5 special tokens)")


COMMON_NOT = ("It is **not** the published GROVER model (PoetschLab/GROVER, 12 layers, hidden 768, pre-trained "
              "on the whole human genome): it has GROVER's architecture and tokenizer design at a size "
              "that trains on 2 CPU cores, on about 4 Mb of real human DNA. To use the published weights, "
              "see \"Using the published GROVER model\" in the README.")


def write_mini_card(pre, arch, mlm_delta, args):
    m = pre["metrics"]
    shape = _shape(arch)
    common_not = COMMON_NOT
    with open(os.path.join(MODELS, "grover-mini", "MODEL.md"), "w") as fh:
        fh.write(f"""# grover-mini

A small GROVER-style DNA language model: a masked-token BERT over a byte-pair vocabulary of human DNA.

- **Architecture**: {shape}.
- **Tokenizer**: learnt here by `scripts/train/learn_bpe.py` as GROVER learnt its own: 600 cycles of merging
  the most frequent adjacent token pair, starting from single nucleotides, over the first 900 kb of
  `data/chr22_20M.fa` and the CTCF training split (N stays a one-base token).
- **Pre-training**: masked-LM as in BERT (15% of tokens; 80% [MASK], 10% random, 10% unchanged), AdamW,
  peak learning rate {args.pretrain_lr:g}, {pre['steps']} steps of {args.batch} sequences of 1 kb (both strands),
  {pre['train_tokens']:,} training tokens, {pre['minutes']:.0f} minutes on 2 CPU cores, seed {args.seed}.
  Held out: the last 100 kb of the chr22 slice and 200 CTCF validation sequences.
- **Held-out masked-token results** ({m['masked_tokens']:,} masked tokens):

| model | accuracy | perplexity |
|---|---|---|
| grover-mini | {m['accuracy']:.4f} | {m['perplexity']:.1f} |
| token-frequency baseline (always the unigram distribution of training tokens) | {m['baseline_unigram']['accuracy']:.4f} | {m['baseline_unigram']['perplexity']:.1f} |

  What this says: grover-mini has learnt only a little beyond token frequencies. Its pre-training was
  short (under one hour, about two passes over 2 Mb of tokens); GROVER's own model saw the whole
  genome. It is good enough to exercise every command on real DNA, not to draw biological conclusions.
- **ONNX**: opset 14, inputs `input_ids`/`attention_mask` (int64 [batch, tokens]), outputs `logits`
  [batch, tokens, vocabulary] and `last_hidden_state`; `model-attn.onnx` adds every layer's attention
  (for `grover attention`); ONNX Runtime vs PyTorch max |Δ| = {mlm_delta:.2g}.
- **Intended use**: the base for fine-tuned grover classifiers (`ctcf`), and for `grover fill`/`embed`
  demonstrations. {common_not}
- **Reproduce**: `/usr/bin/python3 scripts/train/train_lm.py` (vocabulary, pre-training, fine-tuning, export; fixed seeds).
- **Licence**: MIT; data provenance in `data/SOURCES.md`.
""")


def write_ctcf_card(pre, ft, arch, cls_delta):
    r = ft["result"]
    rec = ft.get("recipe") or {"head": "cls", "lr": 1.5e-4, "epochs": 4, "batch": 32, "crop": 0}
    common_not = COMMON_NOT
    row = lambda name, d: f"| {name} | {d['auroc']:.3f} | {d['auprc']:.3f} | {d['mcc']:.3f} |"
    if r["test"]["auroc"] <= r["pwm"]["test"]["auroc"]:
        status = (f"\n> **Status: this model does not beat the JASPAR PWM baseline** (test AUROC {r['test']['auroc']:.3f} vs "
                  f"{r['pwm']['test']['auroc']:.3f}). It learnt sequence composition, not the CTCF motif: a bag-of-tokens "
                  "logistic regression reaches about the same (0.61 on validation). The cause is the weak pre-training "
                  "of grover-mini (see its card). For CTCF calls use the default `ctcf` model (a one-hot CNN, well "
                  "above the PWM); for a language model that knows the motif, export the published GROVER (README: "
                  "\"Using the published GROVER model\").\n")
    else:
        status = ""
    with open(os.path.join(MODELS, "ctcf-lm", "MODEL.md"), "w") as fh:
        fh.write(f"""# ctcf-lm

Classifies a 1-kb human DNA window as CTCF-bound or not: `grover-mini` fine-tuned on real ChIP-seq-derived
data. It was the default model of `grover predict` until the one-hot CNN `ctcf` (scripts/train/train_ctcf.py)
replaced it; run it with `--model ctcf-lm`.
{status}

- **Data**: `data/ctcf` — 2,000 CTCF-bound 1-kb hg38 sequences (ReMap 2020 + UniBind) and 2,000 GC-matched
  sequences bound by other factors but not CTCF. Split 70/15/15 (`data/ctcf/split.tsv`, seed 13) with
  overlapping sequences (shared 50-mers) kept on one side.
- **Training**: from grover-mini's encoder plus a new 2-way head on the {'mean of the token vectors' if rec['head'] == 'mean' else '[CLS] pooler'}; cross-entropy, AdamW, peak learning rate
  {rec['lr']:g} with warm-up and linear decay, batch {rec['batch']}, {rec['epochs']} epochs with a random strand per
  sequence each epoch (reverse-complement augmentation); the epoch with the best validation AUROC is kept
  (epoch {r['best_epoch']}); {r['minutes']:.0f} minutes on 2 CPU cores.
- **Scoring**: P(bound) averaged over the window and its reverse complement, exactly as
  `grover predict --strand both` reports it. Decision threshold {r['threshold']:.4f}: the probability that
  maximises MCC on the validation split.
- **Test results** ({r['test']['n']} held-out sequences, {r['test']['positives']} bound), against the JASPAR
  MA0139.1 baseline (best log-odds over the sequence, both strands; its threshold also chosen on validation):

| model | AUROC | AUPRC | MCC |
|---|---|---|---|
{row('ctcf-lm (this model)', r['test'])}
{row('JASPAR MA0139.1 PWM', r['pwm']['test'])}

  Validation: AUROC {r['valid']['auroc']:.3f} (PWM {r['pwm']['valid']['auroc']:.3f}). For reference, DanQ trained on the
  5,000-sequence source set reached AUROC 0.895 on its own 10% split (not the same split).
- **ONNX**: opset 14, output `logits` [batch, 2] over labels (unbound, bound); ONNX Runtime vs PyTorch
  max |Δ| = {cls_delta:.2g}.
- **Intended use**: scanning human genomic DNA for likely CTCF binding; windows of 1 kb like its
  training data. **Not** a replacement for ChIP-seq, not validated on other species or cell-type
  specific binding, and trained on only 2,800 sequences: expect false positives at motif-like sequence.
  {common_not}
- **Reproduce**: `/usr/bin/python3 scripts/train/train_lm.py` (fixed seeds; see README for the time it takes).
- **Licence**: MIT for the weights; the training data's terms are in `data/SOURCES.md`.
{CTCF_TRIED}""")


# What was tried to close the gap to the PWM, with the numbers measured (validation AUROC unless said).
CTCF_TRIED = """
## What was tried (and what the model attends to)

| change | best validation AUROC |
|---|---|
| [CLS] pooler head, lr 1.5e-4, 4 epochs (first release) | 0.588 |
| [CLS] pooler head, lr 1.5e-4, more epochs | 0.595 |
| mean-of-tokens head, lr 5e-4, 6 epochs (this model) | 0.609 |
| same recipe, other seeds / epochs | 0.569–0.604 |
| max-over-tokens head (`--head max`), lr 5e-4 | 0.518 after 1 epoch (stopped) |
| central 400 bp only, ±50 bp jitter, 8 epochs (`--center 400`) | 0.647 (test 0.673; the PWM on the same pieces: 0.912, test 0.908) |
| bag-of-tokens logistic regression (no transformer) | 0.607 |
| logistic head on frozen grover-mini embeddings, both strands (`grover train-head`) | 0.597 (test 0.703) |
| MLP head on frozen grover-mini embeddings (`grover train-head --head mlp`) | 0.613 (test 0.698) |
| motif distillation before fine-tuning (`--stage motif`: the encoder regresses, per token, the best JASPAR log-odds of any motif placement over its bases, both strands; 500 steps × 32 windows of the pre-training DNA and the training split, 34 min) | not fine-tuned: after it, the encoder's best token score separates bound from unbound validation sequences at AUROC 0.470 (the PWM itself: 0.845; Spearman with the PWM score 0.096) — it did not learn the motif |
| diagnostic: 200-bp pieces (half centred on strong sites), binary target "token overlaps a hit ≥ 10", lr 1e-3, 200 steps × 64 | token-level AUROC 0.747 → 0.772, a plateau (a model that had found the motif would be near 1) |

In-silico mutagenesis (`grover mutagenesis`, `scripts/analysis/ism_vs_jaspar.py`): over the central 400 bp of
30 CTCF-bound test sequences, the model's strongest 19-bp stretch overlaps the JASPAR best hit in 2
(6.7%), below the 9.7% a randomly placed stretch would reach: the model has not learnt the motif.
Even with per-token motif supervision the 3-layer BPE model learns the motif too slowly for 2 CPU cores.
What should work next: far more pre-training (the published GROVER saw the whole genome; grover-mini
saw ~4 Mb for 52 minutes, masked-token accuracy 2.0% vs 1.5% for token frequencies), a GPU for it, or
starting from the published weights.
"""
