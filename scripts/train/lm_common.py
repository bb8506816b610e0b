"""What the language-model stages share: paths, the run context, the CTCF split, grover-mini's shape, batching."""
import os
import sys
import time
from dataclasses import dataclass

import torch

from common.dna import read_fasta
from common.paths import DATA, ROOT
from data.ctcf_split import load_sets, load_split
from models.bert import BertConfig, BertForSequenceClassification, init_weights

DEFAULT_WORK = os.path.join(ROOT, "build", "train")  # the vocabulary, checkpoints and logs of scripts/train/train_lm.py
CHR22 = os.path.join(DATA, "chr22_20M.fa")
HELD_OUT_CHR22 = 900_000  # chr22 slice positions >= this are held out of pre-training


@dataclass(frozen=True)
class Run:
    """One invocation of the stages: the parsed command line, the torch device training runs on (exports and
    checkpoints stay on the CPU) and the work folder."""
    args: object
    device: torch.device
    work: str

    def path(self, name):
        return os.path.join(self.work, name)


def on(device, *ts):
    """Tensors moved to the training device."""
    return [t.to(device) for t in ts]


def cpu_state(model):
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def ctcf_data():
    names, seqs, labels = load_sets(os.path.join(DATA, "ctcf"))
    split = load_split(os.path.join(DATA, "ctcf", "split.tsv"))
    out = {"train": [], "valid": [], "test": []}
    for n, s, y in zip(names, seqs, labels):
        out[split[n]].append((s, y))
    return out


def chr22_seq():
    return next(read_fasta(CHR22))[1]


# ---- model config
def mini_config(vocab_size, num_labels=2):
    return BertConfig(vocab_size=vocab_size, hidden_size=256, num_hidden_layers=3, num_attention_heads=4,
                      intermediate_size=512, max_position_embeddings=512, num_labels=num_labels)


def pad_batch(seqs, pad_id):
    t = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), t), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), t), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def classifier_from(ck, pooling):
    """A classifier (new head, HF BERT initialisation) whose encoder is a checkpoint's bert.* weights; also
    its config and the parameter names that did not come from the checkpoint."""
    cfg = BertConfig(**{**ck["config"], "classifier_pooling": pooling})
    model = BertForSequenceClassification(cfg)
    init_weights(model)
    missing = model.load_state_dict({k: v for k, v in ck["state_dict"].items() if k.startswith("bert.")}, strict=False)
    return model, cfg, missing.missing_keys
