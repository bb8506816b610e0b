#!/usr/bin/python3
"""Train grover's shipped models on real data, on CPU, with fixed seeds:

  1. vocab   : a 600-merge GROVER-style BPE vocabulary on the chr22 slice + the CTCF training split
  2. pretrain: grover-mini, a small BERT masked-LM (15% masking, 80/10/10 as in BERT)
  3. finetune: ctcf, grover-mini fine-tuned to classify CTCF-bound vs unbound 1-kb sequences
  4. export  : ONNX bundles in models/grover-mini and models/ctcf-lm with grover.json and metrics
  (models/ctcf-lm was the default CTCF model until the one-hot CNN of scripts/train/train_ctcf.py replaced it)
  (motif: an optional stage, not in "all": per-token regression of the JASPAR CTCF log-odds before
   fine-tuning, with finetune --init motif [--motif-weight W]; tried, it did not help — see the card)

Usage: /usr/bin/python3 scripts/train/train_lm.py [--stage all|vocab|pretrain|finetune] [--pretrain-steps N]
Held-out sequences (CTCF validation/test, the last 100 kb of the chr22 slice) are never trained on.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
import torch

from train.cards import stage_export
from train.finetune import stage_finetune
from train.lm_common import DEFAULT_WORK, Run
from train.motif_stage import stage_motif
from train.pretrain import stage_evalmlm, stage_pretrain, stage_vocab

STAGES = {"vocab": stage_vocab, "pretrain": stage_pretrain, "evalmlm": stage_evalmlm, "motif": stage_motif,
          "finetune": stage_finetune, "export": stage_export}
ALL = ["vocab", "pretrain", "finetune", "export"]  # --stage all (evalmlm and motif run only when named)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", default="all", choices=["all", *STAGES])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--merges", type=int, default=600)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--pretrain-steps", type=int, default=600)
    ap.add_argument("--pretrain-lr", type=float, default=7e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--motif-steps", type=int, default=400, help="motif-distillation steps (stage motif)")
    ap.add_argument("--motif-lr", type=float, default=5e-4)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--finetune-lr", type=float, default=5e-4)
    ap.add_argument("--crop", type=int, default=0, help="fine-tune on random CROP-bp pieces of each sequence (0: whole)")
    ap.add_argument("--center", type=int, default=0, help="train/validate/test on the central CENTER bp of each sequence (0: whole)")
    ap.add_argument("--jitter", type=int, default=50, help="with --center: training pieces shifted by up to ±JITTER bp")
    ap.add_argument("--init", default="mlm", choices=["mlm", "motif"], help="fine-tune from grover-mini (mlm) or from the motif stage's encoder (motif)")
    ap.add_argument("--motif-weight", type=float, default=0.0, help="fine-tune: weight of the per-token motif regression kept as a second loss (0: none)")
    ap.add_argument("--head", default="mean", choices=["cls", "mean", "max"], help="classifier pooling: [CLS] pooler, mean or max of tokens")
    ap.add_argument("--run", default="ctcf", help="name of the fine-tuned checkpoint (build/train/RUN.pt) written by finetune and read by export")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device for pre-training and fine-tuning (cpu, cuda); checkpoints are saved on the CPU")
    ap.add_argument("--work", default=DEFAULT_WORK, help="folder for the vocabulary, checkpoints and logs (default build/train)")
    args = ap.parse_args()
    run = Run(args, torch.device(args.device), args.work)
    torch.set_num_threads(args.threads)
    os.makedirs(run.work, exist_ok=True)
    for s in ALL if args.stage == "all" else [args.stage]:
        STAGES[s](run)


if __name__ == "__main__":
    main()
