"""Stage finetune: grover-mini (or the motif stage's encoder) fine-tuned into the CTCF classifier ctcf-lm; the
fine-tuning loop, strand-averaged probabilities and held-out metrics that scripts/train/train_prom300.py shares."""
import json
import math
import os
import random
import time

import numpy as np
import torch
from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score

from analysis.pwm_baseline import best_mcc_threshold, best_score, read_jaspar
from common.bpe import BPE
from common.dna import revcomp
from common.paths import DATA
from train.lm_common import classifier_from, cpu_state, ctcf_data, log, lr_at, on, pad_batch
from train.motif_stage import MotifHead, motif_loss, pad_targets, token_motif_targets


def predict_probs(model, seqs, bpe, batch=64, device=torch.device("cpu")):
    """P(bound) averaged over both strands, exactly as `grover predict --strand both` reports it."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            part = seqs[i:i + batch]
            probs = []
            for strand in (part, [revcomp(s) for s in part]):
                ids, mask = pad_batch([bpe.encode(s) for s in strand], bpe.pad)
                probs.append(torch.softmax(model(*on(device, ids, mask))[0], dim=-1)[:, 1].cpu())
            out.extend(((probs[0] + probs[1]) / 2).tolist())
    model.train()
    return np.array(out)


def cls_metrics(y, p, t):
    return {"auroc": round(float(roc_auc_score(y, p)), 4), "auprc": round(float(average_precision_score(y, p)), 4),
            "mcc": round(float(matthews_corrcoef(y, p >= t)), 4), "n": int(len(y)), "positives": int(sum(y))}


def finetune(model, sample, ys, valid_seqs, vy, bpe, *, epochs, batch, lr, rng, name="finetune",
             extra_params=(), aux_loss=None, on_best=None, device=torch.device("cpu")):
    """The fine-tuning loop every classifier here uses: AdamW, warm-up then linear decay, gradient clipping,
    batches of shuffled examples each on a random strand (sample(i, strand_rc) → (token ids, bases)), and
    the epoch with the best validation AUROC (both strands averaged) kept. aux_loss(pieces, hidden) adds a
    second loss; on_best(state, epoch, auroc) sees each new best. Returns (best state, its epoch, minutes)."""
    steps_per_epoch = math.ceil(len(ys) / batch)
    total = steps_per_epoch * epochs
    params = list(model.parameters()) + list(extra_params)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    best = (-1.0, None, -1)
    step = 0
    t0 = time.time()
    for epoch in range(epochs):
        idx = list(range(len(ys)))
        rng.shuffle(idx)
        for b in range(0, len(idx), batch):
            part = idx[b:b + batch]
            pieces = [sample(i, rng.random() >= 0.5) for i in part]  # reverse-complement augmentation
            ids, mask = pad_batch([p[0] for p in pieces], bpe.pad)
            y = torch.tensor([ys[i] for i in part])
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total, lr, steps_per_epoch // 2)
            logits, h, _ = model(*on(device, ids, mask))
            loss = torch.nn.functional.cross_entropy(logits, y.to(device))
            if aux_loss is not None:
                loss = loss + aux_loss(pieces, h)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            step += 1
            if step % 20 == 0:
                log(f"{name} epoch {epoch + 1} step {step}/{total} loss {loss.item():.3f}")
        auc = roc_auc_score(vy, predict_probs(model, valid_seqs, bpe, device=device))
        log(f"{name} epoch {epoch + 1}: validation AUROC {auc:.4f} ({(time.time() - t0) / 60:.1f} min)")
        if auc > best[0]:
            best = (auc, cpu_state(model), epoch + 1)
            if on_best is not None:
                on_best(best[1], best[2], auc)
    return best[1], best[2], (time.time() - t0) / 60


def held_out(model, valid_seqs, vy, test_seqs, ty, bpe, device=torch.device("cpu")):
    """Validation and test probabilities of a trained classifier, and its threshold: best MCC on validation."""
    vp = predict_probs(model, valid_seqs, bpe, device=device)
    threshold = float(best_mcc_threshold(vy, vp))
    return vp, predict_probs(model, test_seqs, bpe, device=device), threshold


def stage_finetune(run):
    args = run.args
    torch.manual_seed(args.seed)
    bpe = BPE(run.path("tokenizer.json"))
    base = "grover-mini-motif.pt" if args.init == "motif" else "grover-mini.pt"
    ck = torch.load(run.path(base))
    model, cfg, missing = classifier_from(ck, args.head)
    log(f"finetune: from {base}; not from it:", missing)
    model.to(run.device)
    head = None
    if args.motif_weight > 0:
        # Multi-task: keep regressing the per-token motif score (see stage_motif) next to the label, so
        # fine-tuning on 2,800 sequences does not wash out what the motif stage taught.
        head = MotifHead(cfg.hidden_size)
        if "head" in ck:
            head.load_state_dict(ck["head"])
        head.to(run.device)
        lo_m = read_jaspar(os.path.join(DATA, "MA0139.1.jaspar"))
    data = ctcf_data()
    if args.center:
        # The bound motifs of this set sit in the middle (JASPAR best hits: median position 403, 80% in
        # 330-640 of 1,000): train, validate and test on the central CENTER bp; training pieces are
        # shifted by up to ±JITTER bp. The PWM baseline below sees the same central pieces.
        def centre(s, shift=0):
            a = (len(s) - args.center) // 2 + shift
            a = max(0, min(len(s) - args.center, a))
            return s[a:a + args.center]
        for part in ("valid", "test"):
            data[part] = [(centre(s), y) for s, y in data[part]]
    train = data["train"]
    ys = [y for _, y in train]
    if args.center:
        full = [s for s, _ in train]

        def sample(i, strand_rc):
            piece = centre(full[i], rng.randint(-args.jitter, args.jitter))
            piece = revcomp(piece) if strand_rc else piece
            return (bpe.encode(piece), piece)
    elif args.crop:
        # Position augmentation: each step sees a random `crop`-bp piece of the sequence that keeps its
        # centre (where the ChIP-seq peak summit, and so the bound motif, lies), on a random strand.
        def sample(i, strand_rc):
            s = train[i][0]
            slack = len(s) - args.crop
            start = rng.randint(0, slack) if slack > 0 else 0
            piece = s[start:start + args.crop]
            piece = revcomp(piece) if strand_rc else piece
            return (bpe.encode(piece), piece)
    else:
        enc_f = [bpe.encode(s) for s, _ in train]
        enc_r = [bpe.encode(revcomp(s)) for s, _ in train]

        def sample(i, strand_rc):
            return (enc_r[i], revcomp(train[i][0])) if strand_rc else (enc_f[i], train[i][0])
    rng = random.Random(args.seed)
    vy = np.array([y for _, y in data["valid"]])

    def aux_loss(pieces, h):
        tg = pad_targets([token_motif_targets(t, s, bpe, lo_m) for t, s in pieces]).to(run.device)
        return args.motif_weight * motif_loss(head(h), tg)

    def save_best(state, epoch, auc):
        # saved as it improves, so an interrupted run still leaves its best model behind
        torch.save({"state_dict": state, "config": cfg.to_dict(), "epoch": epoch, "valid_auroc": auc},
                   run.path(f"{args.run}.best-so-far.pt"))

    state, best_epoch, minutes = finetune(
        model, sample, ys, [s for s, _ in data["valid"]], vy, bpe, epochs=args.epochs, batch=args.batch,
        lr=args.finetune_lr, rng=rng, extra_params=head.parameters() if head is not None else (),
        aux_loss=aux_loss if head is not None else None, on_best=save_best, device=run.device)
    model.load_state_dict(state)
    ty = np.array([y for _, y in data["test"]])
    vp, tp, threshold = held_out(model, [s for s, _ in data["valid"]], vy, [s for s, _ in data["test"]], ty, bpe, run.device)
    # PWM baseline on the same split, its threshold chosen on validation as ours is.
    lo = read_jaspar(os.path.join(DATA, "MA0139.1.jaspar"))
    pv = np.array([best_score(s, lo) for s, _ in data["valid"]])
    pt = np.array([best_score(s, lo) for s, _ in data["test"]])
    pwm_t = best_mcc_threshold(vy, pv)
    result = {"valid": cls_metrics(vy, vp, threshold), "test": cls_metrics(ty, tp, threshold),
              "threshold": round(threshold, 4), "best_epoch": best_epoch, "minutes": round(minutes, 1),
              "pwm": {"valid": cls_metrics(vy, pv, pwm_t), "test": cls_metrics(ty, pt, pwm_t),
                      "threshold_log_odds": round(pwm_t, 3)}}
    log("finetune:", json.dumps(result))
    torch.save({"state_dict": cpu_state(model), "config": cfg.to_dict(), "result": result,
                "recipe": {"init": args.init, "motif_weight": args.motif_weight, "head": args.head, "lr": args.finetune_lr, "epochs": args.epochs, "batch": args.batch,
                           "crop": args.crop, "center": args.center, "jitter": args.jitter}},
               run.path(f"{args.run}.pt"))
    np.savetxt(run.path(f"{args.run}_test_probs.txt"), tp, fmt="%.6f")
