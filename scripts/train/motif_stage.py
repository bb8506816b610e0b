"""Stage motif (optional, not in "all"): per-token regression of the JASPAR CTCF log-odds, tried before
fine-tuning; and the per-token motif targets that finetune --motif-weight keeps as a second loss."""
import json
import os
import random
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from analysis.pwm_baseline import best_score, placement_scores, read_jaspar
from common.bpe import BPE
from common.dna import revcomp
from common.paths import DATA
from train.lm_common import HELD_OUT_CHR22, chr22_seq, classifier_from, cpu_state, ctcf_data, log, lr_at, on, pad_batch


# grover-mini's masked-LM pre-training (~4 Mb, 52 CPU minutes) is far too short for it to discover the
# CTCF motif from 2,800 labelled sequences. This stage teaches the encoder where motif-like sequence is:
# for each token it regresses the best JASPAR MA0139.1 log-odds (either strand) of any 19-bp placement
# overlapping the token's bases. The targets come from the PWM alone (no binding labels), on the
# pre-training DNA and the CTCF *training* split; validation and test sequences are never seen.
def motif_base_scores(seq, lo):
    """Per base: the best log-odds (either strand) of any motif placement that covers the base."""
    L = lo.shape[1]
    floor = float(lo.min(axis=0).sum())
    s = placement_scores(seq, lo)
    m = np.full(len(seq), floor)
    n = len(s)
    for k in range(L if n else 0):
        np.maximum(m[k:k + n], s, out=m[k:k + n])
    return m


def token_motif_targets(ids, seq, bpe, lo):
    """Per token: (clip(best covering log-odds, -5, 20) + 5) / 10, in 0..2.5; [CLS]/[SEP] get -1 (ignored).
    90% of random bases score below -5 (floor 0); strong CTCF sites score 13-21."""
    m = motif_base_scores(seq, lo)
    lens = [len(bpe.inv[t]) for t in ids[1:-1]]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    per_tok = np.maximum.reduceat(m, starts) if len(starts) else np.zeros(0)
    return [-1.0] + list((np.clip(per_tok, -5, 20) + 5) / 10) + [-1.0]


class MotifHead(torch.nn.Module):
    """Per-token motif score from the encoder's hidden states (training only: never exported)."""
    def __init__(self, hidden):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(hidden, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 1))

    def forward(self, h):
        return self.net(h).squeeze(-1)


def motif_loss(pred, targets):
    keep = targets >= 0
    return torch.nn.functional.mse_loss(pred[keep], targets[keep])


def pad_targets(ts):
    t = max(len(x) for x in ts)
    out = torch.full((len(ts), t), -1.0)
    for i, x in enumerate(ts):
        out[i, :len(x)] = torch.tensor(x, dtype=torch.float32)
    return out


def motif_corpus():
    """Real DNA for the motif stage: 1-kb pieces of the chr22 slice before the held-out part, and the CTCF
    training split (bound and unbound alike: the labels are not used)."""
    seq = chr22_seq()[:HELD_OUT_CHR22]
    return [s for s, _ in ctcf_data()["train"]], seq


def stage_motif(run):
    args = run.args
    torch.manual_seed(args.seed)
    bpe = BPE(run.path("tokenizer.json"))
    lo = read_jaspar(os.path.join(DATA, "MA0139.1.jaspar"))
    model, cfg, _ = classifier_from(torch.load(run.path("grover-mini.pt")), args.head)
    head = MotifHead(cfg.hidden_size)
    model.to(run.device)
    head.to(run.device)
    ctcf_train, chrom = motif_corpus()
    rng = random.Random(args.seed)

    def sample():
        if rng.random() < 0.5:
            s = rng.choice(ctcf_train)
            a = rng.randint(0, 100)  # a shifted piece: the same bases tokenize differently
            s = s[a:a + 900 + rng.randint(0, 100)]
        else:
            while True:
                a = rng.randint(0, len(chrom) - 1000)
                s = chrom[a:a + 1000]
                if "N" not in s:
                    break
        if rng.random() < 0.5:
            s = revcomp(s)
        ids = bpe.encode(s)
        return ids, token_motif_targets(ids, s, bpe, lo)

    data = ctcf_data()
    vseq = [s for s, _ in data["valid"]]
    vy = np.array([y for _, y in data["valid"]])
    params = list(model.bert.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.motif_lr, weight_decay=0.01)
    model.train()
    t0 = time.time()
    for step in range(args.motif_steps):
        batch = [sample() for _ in range(args.batch)]
        ids, mask = pad_batch([b[0] for b in batch], bpe.pad)
        tg = pad_targets([b[1] for b in batch])
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.motif_steps, args.motif_lr, args.warmup)
        ids, mask, tg = on(run.device, ids, mask, tg)
        h = model.bert(ids, mask)[0]
        loss = motif_loss(head(h), tg)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 50 == 0 or step == args.motif_steps - 1:
            el = time.time() - t0
            log(f"motif step {step + 1}/{args.motif_steps} loss {loss.item():.4f} ({el / (step + 1):.2f} s/step, {el / 60:.1f} min)")
    minutes = (time.time() - t0) / 60
    # How much of the PWM it learnt: AUROC of (best predicted token score) for bound vs unbound validation
    # sequences, next to the PWM's own.
    vscore = motif_max_scores(model, head, vseq, bpe, run.device)
    pv = np.array([best_score(s, lo) for s in vseq])
    res = {"minutes": round(minutes, 1), "steps": args.motif_steps,
           "valid_auroc_of_max_token_score": round(float(roc_auc_score(vy, vscore)), 4),
           "valid_auroc_pwm": round(float(roc_auc_score(vy, pv)), 4),
           "valid_spearman_vs_pwm": round(float(_spearman(vscore, pv)), 4)}
    log("motif:", json.dumps(res))
    torch.save({"state_dict": {k: v for k, v in cpu_state(model).items() if k.startswith("bert.")},
                "head": cpu_state(head), "config": cfg.to_dict(), "result": res},
               run.path("grover-mini-motif.pt"))


def _spearman(a, b):
    ra = np.argsort(np.argsort(a))
    rb = np.argsort(np.argsort(b))
    return np.corrcoef(ra, rb)[0, 1]


def motif_max_scores(model, head, seqs, bpe, device, batch=64):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            best = None
            for strand in (seqs[i:i + batch], [revcomp(s) for s in seqs[i:i + batch]]):
                ids, mask = pad_batch([bpe.encode(s) for s in strand], bpe.pad)
                ids, mask = on(device, ids, mask)
                p = head(model.bert(ids, mask)[0]).masked_fill(mask == 0, -1e4)
                p[:, 0] = -1e4
                m = p.max(1).values.cpu()
                best = m if best is None else torch.maximum(best, m)
            out.extend(best.tolist())
    model.train()
    return np.array(out)
