#!/usr/bin/python3
"""Train grover's default CTCF model (models/ctcf): a one-hot CNN that grover scans fully convolutionally.

  /usr/bin/python3 scripts/train/train_ctcf.py                 # the shipped model (about 10 minutes on 2 cores)
  /usr/bin/python3 scripts/train/train_ctcf.py --out build/ctcf-try --members 1 --epochs 4   # a quick try

One command, fixed seeds, CPU only (Debian's PyTorch). Needs a built grover (`npm ci && npm run build`):
the ONNX checks run onnxruntime-node, and the LM-based peer and the mutagenesis check run grover itself.

Data (data/SOURCES.md):
- data/ctcf: 2,000 + 2,000 CTCF-bound / unbound (GC-matched, bound by other factors) 1-kb hg38
  sequences, split 70/15/15 by data/ctcf/split.tsv (overlapping sequences on one side);
- data/ctcf200: 998 + 999 more at 200 bp from the same source, split the same way (data/ctcf200/split.tsv);
- data/ctcf_dnd41: 19,237 × 101-bp CTCF ChIP-seq peak centres (DND-41) with *shuffled* negatives: only an
  auxiliary task that teaches the first layer the motif (a separate head, not exported), never reported.
  Sequences sharing a 50-mer with any validation or test sequence are left out.

Model (scripts/models/onehot.py ScanCNN): Conv1d(4→48, 19 bp) + ReLU, Conv1d(48→24, 7 bp) + ReLU, all valid
(unpadded) and stride 1 — receptive field 25 bp; per window the max and the mean of each of the 24 features
over the whole window and over its central 400 bp (128 values); a linear layer to (unbound, bound).
Two of the first layer's filters start as JASPAR MA0139.1's log-odds (both orientations). Training:
AdamW, warm-up and linear decay, a random strand per sequence (reverse-complement augmentation),
the 1-kb and 200-bp training sequences, plus the auxiliary motif task; the epoch with the best
validation AUROC (1 kb, both strands averaged) is kept. --members N trains N such networks with
seeds 1 … N and joins them into one (grouped convolutions, averaged logits): one ONNX graph.

Writes OUT/{model.onnx, trunk.onnx, head.onnx, grover.json, MODEL.md, MA0139.1.jaspar} and prints the
metrics table. Scores: P(bound), the mean of both strands, exactly as `grover predict` reports it.
"""
import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/: its packages (common, models, export, ...)
from models import deepbind
from data.ctcf_split import kmers, load_sets, load_split
from export.export_onehot import write_scan_bundle
from models.onehot import ScanCNN
from analysis.pwm_baseline import best_mcc_threshold, metrics, placement_scores, read_jaspar
from common.paths import ROOT, DATA, SCRIPTS

JASPAR = os.path.join(DATA, "MA0139.1.jaspar")
DEEPBIND = os.path.join(DATA, "deepbind", "D00328.018.txt")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data
def split_sets(name):
    names, seqs, labels = load_sets(os.path.join(DATA, name), name)
    split = load_split(os.path.join(DATA, name, "split.tsv"))
    out = {t: {"names": [], "seqs": [], "y": []} for t in ("train", "valid", "test")}
    for n, s, y in zip(names, seqs, labels):
        out[split[n]]["names"].append(n)
        out[split[n]]["seqs"].append(s)
        out[split[n]]["y"].append(y)
    return out


def motif_set(held_out):
    """The DND-41 101-bp peaks and their shuffled copies, minus any sequence sharing a 50-mer with a held-out one."""
    seen = set().union(*(kmers(s) for s in held_out))
    seqs, ys, dropped = [], [], 0
    with open(os.path.join(DATA, "ctcf_dnd41", "ctcf_dnd41_101bp.tsv")) as fh:
        next(fh)
        for line in fh:
            _, s, y = line.rstrip("\n").split("\t")
            s = s.upper()
            if kmers(s) & seen:
                dropped += 1
                continue
            seqs.append(s)
            ys.append(int(y))
    return seqs, ys, dropped


LUT = np.full(256, 4, dtype=np.int64)
for _i, _b in enumerate(b"ACGT"):
    LUT[_b] = _i
EYE = np.vstack([np.eye(4, dtype=np.float32), np.full((1, 4), 0.25, dtype=np.float32)])


def onehot(seqs):
    """[batch, length, 4] in A, C, G, T order, N (and any other letter) 0.25 each, as grover feeds it."""
    return torch.from_numpy(EYE[np.stack([LUT[np.frombuffer(s.encode(), dtype=np.uint8)] for s in seqs])])


def rc(x):
    return x.flip(1).flip(2)


# ---------------------------------------------------------------- model
def sizes(a):
    pooling = [{"op": "max"}, {"op": "mean"}] + ([{"op": "max", "center": a.center}, {"op": "mean", "center": a.center}] if a.center else [])
    return {"convs": [[4, a.filters, 19, 1], [a.filters, a.channels, a.kernel2, 1]], "pool_between": 1,
            "pooling": pooling, "hidden": a.hidden, "labels": 2, "dropout": 0.2}


def jaspar_init(model, lo, scale=0.25, min_log_odds=10.0):
    """Filters 0 and 1 of the first layer: JASPAR's log2-odds in both orientations, centred in the filter,
    scaled by `scale`, with a bias that opens the ReLU above `min_log_odds`."""
    conv = model.convs[0]
    k = conv.weight.shape[2]
    L = lo.shape[1]
    off = (k - L) // 2
    with torch.no_grad():
        for f, m in enumerate([lo, lo[::-1, ::-1]]):
            conv.weight[f].zero_()
            conv.weight[f, :, off:off + L] = torch.tensor(m.copy(), dtype=torch.float32) * scale
            conv.bias[f] = -min_log_odds * scale


def probs(model, seqs, batch=64):
    """P(bound), both strands averaged (grover predict --strand both)."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            x = onehot(seqs[i:i + batch])
            out.append((F.softmax(model(x), 1)[:, 1] + F.softmax(model(rc(x)), 1)[:, 1]) / 2)
    model.train()
    return torch.cat(out).numpy()


def central_span(n, center):
    """[a, b) of the central CENTER bp of a sequence of n bp, as the model's central pooling takes it; all of it when
    it is not longer than CENTER (or CENTER is 0)."""
    if not center or n <= center:
        return 0, n
    a = (n - center) // 2
    return a, a + center


def site_targets(part, lo, center, min_log_odds):
    """For each bound sequence of a training set: (start of its best JASPAR hit, start of the best hit that does not
    overlap it or None), both in the central CENTER bp (the whole of a shorter sequence), when the best hit has
    log-odds >= min_log_odds; None for the others (unbound, or no real site)."""
    L = lo.shape[1]
    out = []
    for s, y in zip(part["seqs"], part["y"]):
        a0, b0 = central_span(len(s), center)
        sc = placement_scores(s[a0:b0], lo)
        if not y or len(sc) == 0 or sc.max() < min_log_odds:
            out.append(None)
            continue
        j = int(np.argmax(sc))
        rest = sc.copy()
        rest[max(0, j - L + 1):j + L] = -np.inf
        k = int(np.argmax(rest)) if np.isfinite(rest).any() else None
        out.append((a0 + j, None if k is None else a0 + k, (a0, b0)))
    return out


def scramble(seq, start, L, rng):
    return seq[:start] + "".join(rng.choice("ACGT") for _ in range(L)) + seq[start + L:]


def site_prior_loss(model, seqs, targets, L, rng):
    """The motif-site prior: scrambling the sequence's best JASPAR hit must lower the bound log-odds more than
    scrambling a control 19-bp stretch (half the time its second-best hit, else a random non-overlapping
    stretch of the same central region) — a margin ranking loss, softplus(z_site − z_control + 1)."""
    xs, xc = [], []
    for s, (j, k, (a0, b0)) in zip(seqs, targets):
        if k is None or rng.random() < 0.5:
            while True:
                k = rng.randrange(a0, b0 - L + 1)
                if abs(k - j) >= L:
                    break
        xs.append(scramble(s, j, L, rng))
        xc.append(scramble(s, k, L, rng))
    x = onehot(xs + xc)
    flip = torch.rand(len(seqs)) < 0.5
    flip = torch.cat([flip, flip])
    x = torch.where(flip[:, None, None], rc(x), x)
    z = model(x)
    z = z[:, 1] - z[:, 0]
    n = len(seqs)
    return F.softplus(z[:n] - z[n:] + 1.0).mean()


def train_member(seed, a, data, aux, lo):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = ScanCNN(sizes(a))
    jaspar_init(model, lo)
    frozen = (model.convs[0].weight[:2].detach().clone(), model.convs[0].bias[:2].detach().clone()) if a.freeze_jaspar else None
    aux_head = torch.nn.Linear(model.head[0].in_features, 2)
    params = list(model.parameters()) + list(aux_head.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-3)
    sets = [data["kb"]["train"], data["s200"]["train"]]
    sites = [site_targets(part, lo, a.center, a.site_min_log_odds) for part in sets] if a.site_prior > 0 else None

    def batches():
        out = []
        for si, part in enumerate(sets):
            idx = list(range(len(part["y"])))
            rng.shuffle(idx)
            out += [(si, idx[b:b + a.batch]) for b in range(0, len(idx), a.batch)]
        rng.shuffle(out)
        return out

    per_epoch = len(batches())
    total = per_epoch * a.epochs
    warmup = per_epoch // 2
    aux_seqs, aux_y = aux
    best = (-1.0, None, 0)
    step = 0
    t0 = time.time()
    for epoch in range(a.epochs):
        for si, part in batches():
            x = onehot([sets[si]["seqs"][i] for i in part])
            y = torch.tensor([sets[si]["y"][i] for i in part])
            flip = torch.rand(len(part)) < 0.5
            x = torch.where(flip[:, None, None], rc(x), x)
            for g in opt.param_groups:
                g["lr"] = a.lr * min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / total)
            loss = F.cross_entropy(model(x), y)
            if sites is not None:
                chosen = [i for i in part if sites[si][i] is not None][: a.site_batch]
                if chosen:
                    loss = loss + a.site_prior * site_prior_loss(model, [sets[si]["seqs"][i] for i in chosen], [sites[si][i] for i in chosen],
                                                                 lo.shape[1], rng)
            if a.aux_weight > 0:
                ai = [rng.randrange(len(aux_y)) for _ in range(a.aux_batch)]
                xa = onehot([aux_seqs[i] for i in ai])
                fa = torch.rand(len(ai)) < 0.5
                xa = torch.where(fa[:, None, None], rc(xa), xa)
                za = aux_head(model.dropout(model.pool(model.trunk(xa))))
                loss = loss + a.aux_weight * F.cross_entropy(za, torch.tensor([aux_y[i] for i in ai]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if frozen is not None:  # the JASPAR filters stay as JASPAR made them
                with torch.no_grad():
                    model.convs[0].weight[:2] = frozen[0]
                    model.convs[0].bias[:2] = frozen[1]
            step += 1
        auc = roc_auc_score(data["kb"]["valid"]["y"], probs(model, data["kb"]["valid"]["seqs"]))
        log(f"member seed {seed} epoch {epoch + 1}/{a.epochs}: validation AUROC {auc:.4f} ({(time.time() - t0) / 60:.1f} min)")
        if auc > best[0]:
            best = (auc, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
    model.load_state_dict(best[1])
    model.eval()
    return model, {"seed": seed, "best_epoch": best[2], "valid_auroc": round(best[0], 4), "minutes": round((time.time() - t0) / 60, 1)}


def join_members(members):
    """N ScanCNNs of one shape as one: first layers side by side, second layers as a grouped convolution,
    the heads block-diagonal with the last layer averaged, so the output is the mean of the members'
    logits (checked)."""
    if len(members) == 1:
        return members[0]
    K = len(members)
    s0 = members[0].s
    (_, f1, k1, d1), (_, f2, k2, d2) = s0["convs"][0][:4], s0["convs"][1][:4]
    H = s0.get("hidden") or 0
    s = {**s0, "convs": [[4, K * f1, k1, d1], [K * f1, K * f2, k2, d2, K]], "hidden": K * H, "members": K}
    joined = ScanCNN(s)
    S = len(s0["pooling"])

    def member_columns(k):
        """Columns of the joined pooled vector that hold member k's features, in the member's own order."""
        return torch.tensor([sp * K * f2 + k * f2 + j for sp in range(S) for j in range(f2)])

    with torch.no_grad():
        for layer in (0, 1):
            joined.convs[layer].weight.copy_(torch.cat([m.convs[layer].weight for m in members]))
            joined.convs[layer].bias.copy_(torch.cat([m.convs[layer].bias for m in members]))
        first = joined.head[0]
        first.weight.zero_()
        if H:
            last = joined.head[2]
            for k, m in enumerate(members):
                first.weight[k * H:(k + 1) * H, member_columns(k)] = m.head[0].weight
                first.bias[k * H:(k + 1) * H] = m.head[0].bias
                last.weight[:, k * H:(k + 1) * H] = m.head[2].weight / K
            last.bias.copy_(torch.stack([m.head[2].bias for m in members]).mean(0))
        else:
            for k, m in enumerate(members):
                first.weight[:, member_columns(k)] = m.head[0].weight / K
            first.bias.copy_(torch.stack([m.head[0].bias for m in members]).mean(0))
    joined.eval()
    x = onehot(["".join(random.Random(k).choice("ACGT") for _ in range(L)) for k, L in enumerate([300, 300])])
    with torch.no_grad():
        want = torch.stack([m(x) for m in members]).mean(0)
        got = joined(x)
    if not float((got - want).abs().max()) < 1e-4:
        raise RuntimeError(f"joined networks differ from the mean of the members by {float((got - want).abs().max()):.3g}")
    return joined


# ---------------------------------------------------------------- metrics and peers
def central(seq, center):
    a, b = central_span(len(seq), center)
    return seq[a:b]


def score_all(data, fn):
    return {k: {t: np.array([fn(s) for s in data[k][t]["seqs"]]) for t in ("valid", "test")} for k in ("kb", "s200")}


def table_rows(data, scores, threshold=None):
    """valid/test metrics on both sets; the threshold: given, or the best MCC on the 1-kb validation split."""
    t = threshold if threshold is not None else float(best_mcc_threshold(data["kb"]["valid"]["y"], scores["kb"]["valid"]))
    out = {"threshold": round(t, 4)}
    for k, suffix in (("kb", ""), ("s200", "_200bp")):
        for tag in ("valid", "test"):
            out[f"{tag}{suffix}"] = metrics(data[k][tag]["y"], scores[k][tag], t)
    return out


def grover_scores(model, data, key, tag):
    """P(bound) of a grover bundle on one split, by `grover predict` (both strands, one window per sequence)."""
    with tempfile.TemporaryDirectory() as d:
        fa = os.path.join(d, "x.fa")
        with open(fa, "w") as fh:
            for n, s in zip(data[key][tag]["names"], data[key][tag]["seqs"]):
                fh.write(f">{n}\n{s}\n")
        L = max(len(s) for s in data[key][tag]["seqs"])
        res = subprocess.run(["node", os.path.join(ROOT, "bin", "run.js"), "predict", fa, "--model", model, "--window", str(L), "--stride", str(L),
                              "--threshold", "0", "-f", "tsv", "-q"], capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"train_ctcf.py: grover predict --model {model} failed: {res.stderr.strip()[-400:]} (is grover built? npm run build)")
        got = {line.split("\t")[0]: float(line.split("\t")[3]) for line in res.stdout.strip().split("\n")[1:]}
        return np.array([got[n] for n in data[key][tag]["names"]])


def ism_check(out, split="test", n=30):
    """scripts/analysis/ism_vs_jaspar.py on the first n bound sequences of a 1-kb split, with the misses."""
    res = subprocess.run([sys.executable, os.path.join(SCRIPTS, "analysis", "ism_vs_jaspar.py"), "--model", out, "--n", str(n), "--split", split],
                         capture_output=True, text=True)
    if res.returncode != 0:
        log(f"ism_vs_jaspar.py failed: {res.stderr.strip()[-300:]}")
        return None
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["model"] = os.path.relpath(os.path.abspath(out["model"]), ROOT)
    rows = [json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
    out["misses"] = [{k: r[k] for k in ("name", "ism_stretch", "jaspar_hit", "jaspar_log_odds")} for r in rows if not r["overlap"]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "ctcf"))
    ap.add_argument("--members", type=int, default=1, help="networks trained with seeds 1 … N and joined into one graph")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--filters", type=int, default=48, help="first-layer filters (19 bp)")
    ap.add_argument("--channels", type=int, default=24, help="second-layer filters: the features pooled per window")
    ap.add_argument("--kernel2", type=int, default=7, help="second-layer kernel (bp)")
    ap.add_argument("--center", type=int, default=400, help="also pool over the central CENTER bp of each window (0: whole window only)")
    ap.add_argument("--hidden", type=int, default=32, help="hidden units of the head (0: a linear head)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--aux-weight", type=float, default=1.0, help="weight of the auxiliary motif task's loss")
    ap.add_argument("--aux-batch", type=int, default=64)
    ap.add_argument("--site-prior", type=float, default=0.0, help="weight of the motif-site prior (0: none): scrambling a bound training "
                    "sequence's best JASPAR hit must lower its score more than scrambling another stretch")
    ap.add_argument("--site-batch", type=int, default=8, help="bound sequences per batch that the site prior uses")
    ap.add_argument("--site-min-log-odds", type=float, default=10.0, help="the site prior uses bound sequences whose best JASPAR hit reaches this")
    ap.add_argument("--freeze-jaspar", action="store_true", help="keep the two JASPAR-initialised filters fixed")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads for PyTorch; 1 (default) makes training bit-reproducible (more threads sum in another order)")
    ap.add_argument("--no-ism", action="store_true", help="skip the mutagenesis check (scripts/analysis/ism_vs_jaspar.py)")
    ap.add_argument("--card-only", action="store_true", help="only write OUT/MODEL.md again from OUT/grover.json")
    a = ap.parse_args()
    if a.card_only:
        return write_card(a.out)
    torch.set_num_threads(a.threads)
    t_start = time.time()
    data = {"kb": split_sets("ctcf"), "s200": split_sets("ctcf200")}
    held = [s for k in data for t in ("valid", "test") for s in data[k][t]["seqs"]]
    aux_seqs, aux_y, dropped = motif_set(held)
    log(f"data: 1 kb {[len(data['kb'][t]['y']) for t in ('train', 'valid', 'test')]}, 200 bp {[len(data['s200'][t]['y']) for t in ('train', 'valid', 'test')]}, "
        f"motif task {len(aux_y)} (left out {dropped} sharing a 50-mer with held-out sequences)")
    lo = read_jaspar(JASPAR)
    members, reports = [], []
    for seed in range(1, a.members + 1):
        m, r = train_member(seed, a, data, (aux_seqs, aux_y), lo)
        members.append(m)
        reports.append(r)
    model = join_members(members)
    train_minutes = (time.time() - t_start) / 60
    scores = score_all(data, lambda s: None)
    for k in ("kb", "s200"):
        for t in ("valid", "test"):
            scores[k][t] = probs(model, data[k][t]["seqs"])
    ours = table_rows(data, scores)
    log(f"model: validation AUROC {ours['valid']['auroc']}, threshold {ours['threshold']}")

    # peers on the same splits
    log("peers: JASPAR PWM, DeepBind D00328.018, the LM-based ctcf-lm")
    pwm = table_rows(data, score_all(data, lambda s: float(placement_scores(s, lo).max())))
    pwm400 = table_rows(data, score_all(data, lambda s: float(placement_scores(central(s, a.center), lo).max())))
    db = deepbind.read_params(DEEPBIND)
    dbs = table_rows(data, score_all(data, lambda s: deepbind.score(db, s)))
    db400 = table_rows(data, score_all(data, lambda s: deepbind.score(db, central(s, a.center))))
    lm_meta = json.load(open(os.path.join(ROOT, "models", "ctcf-lm", "grover.json")))
    lm_scores = {k: {t: grover_scores("ctcf-lm", data, k, t) for t in ("valid", "test")} for k in ("kb", "s200")}
    lm = table_rows(data, lm_scores, lm_meta["threshold"])

    tmp_out = a.out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp_out, ignore_errors=True)
    provenance = {
        "script": "scripts/train/train_ctcf.py", "command": " ".join(sys.argv[1:]) or "(defaults)", "members": reports,
        "seeds": [r["seed"] for r in reports], "minutes_on_2_cpu_cores": round(train_minutes, 1),
        "hyperparameters": {k: getattr(a, k) for k in ("members", "epochs", "filters", "channels", "kernel2", "center", "hidden", "lr", "batch", "aux_weight", "aux_batch", "freeze_jaspar", "site_prior", "site_batch", "site_min_log_odds")},
        "data": "data/ctcf + data/ctcf200 (ReMap 2020 + UniBind, hg38; splits data/*/split.tsv); auxiliary motif task: data/ctcf_dnd41 (ENCODE DND-41)",
        "trained": datetime.date.today().isoformat(),
        "jaspar_init": "first-layer filters 0 and 1 of each member start as JASPAR MA0139.1 log2-odds (both orientations) × 0.25, bias −2.5",
    }
    meta = {"name": os.path.basename(os.path.normpath(a.out)),
            "description": "CTCF binding classifier: one-hot CNN (JASPAR-initialised, valid convolutions) scanned fully convolutionally",
            "labels": ["unbound", "bound"], "positive_label": "bound", "threshold": ours["threshold"], "window": 1000, "stride": 200,
            "license": "MIT (weights trained here on public data; see data/SOURCES.md)", "provenance": provenance,
            "motif": {"file": "MA0139.1.jaspar", "id": "MA0139.1", "name": "CTCF"},
            "metrics": {k: v for k, v in ours.items() if k != "threshold"},
            "baseline": {"pwm": pwm, "pwm_central": pwm400, "deepbind_D00328.018": dbs, "deepbind_D00328.018_central": db400, "ctcf-lm": lm}}
    write_scan_bundle(model, tmp_out, meta)
    shutil.copy(JASPAR, os.path.join(tmp_out, "MA0139.1.jaspar"))
    shutil.rmtree(a.out, ignore_errors=True)
    os.rename(tmp_out, a.out)
    ism_valid = None if a.no_ism else ism_check(a.out, "valid", 60)
    ism = None if a.no_ism else ism_check(a.out, "test", 30)
    total = (time.time() - t_start) / 60
    g = json.load(open(os.path.join(a.out, "grover.json")))
    g["provenance"]["minutes_whole_script"] = round(total, 1)
    if ism is not None:
        g["metrics"]["ism_vs_jaspar"] = ism
        g["metrics"]["ism_vs_jaspar_valid"] = ism_valid
    with open(os.path.join(a.out, "grover.json"), "w") as fh:
        json.dump(g, fh, indent=2)
        fh.write("\n")
    write_card(a.out)
    log(f"wrote {a.out} in {total:.1f} min")
    print(json.dumps({"model": ours, "pwm": pwm, "pwm_central": pwm400, "deepbind": dbs, "deepbind_central": db400, "ctcf-lm": lm, "ism": ism}, indent=1))


def fmt(r, key):
    m = r[key]
    return f"{m['auroc']:.3f} | {m['auprc']:.3f} | {m['mcc']:.3f}"


def motif_positions():
    """Where the best JASPAR hit starts in the 1-kb validation sequences: 10th and 90th percentiles, bound and unbound."""
    lo = read_jaspar(JASPAR)
    v = split_sets("ctcf")["valid"]
    pos = np.array([int(np.argmax(placement_scores(s, lo))) for s in v["seqs"]])
    y = np.array(v["y"])
    return [[int(x) for x in np.percentile(pos[y == k], [10, 90])] for k in (1, 0)]


def ism_notes(ism, valid):
    """The mutagenesis check's misses, each with the best JASPAR log-odds in the central 400 bp (below ~10 there is
    no real site for the model to find), the validation rate, and whether the 85% of issue 15 is reached."""
    weak = [r for r in ism["misses"] if r["jaspar_log_odds"] < 10]
    real = [r for r in ism["misses"] if r["jaspar_log_odds"] >= 10]
    parts = []
    if valid:
        parts.append(f" On the first {valid['sequences']} bound *validation* sequences: {valid['overlaps']} ({100 * valid['rate']:.0f}%).")
    if ism["misses"]:
        def row(r):
            return f"{r['name']} (JASPAR {r['jaspar_log_odds']:.1f} at {r['jaspar_hit'][0]}, the model's stretch at {r['ism_stretch'][0]})"
        if weak:
            parts.append(f" Of the test misses, {len(weak)} have no real JASPAR site in the central 400 bp (best log-odds below 10: "
                         + ", ".join(f"{r['jaspar_log_odds']:.1f}" for r in weak) + ")")
        if real:
            parts.append(("; in" if weak else " In") + f" {len(real)} the model's strongest stretch is elsewhere although JASPAR has a site: "
                         + "; ".join(row(r) for r in real))
        parts.append(".")
    reached = ism["rate"] >= 0.85
    parts.append(f" The 85% this check is meant to reach is {'reached' if reached else 'not reached'} on the test sequences.")
    return "".join(parts)


def not_beaten(m, b):
    """A sentence naming every test figure (AUROC, AUPRC, MCC on either split) where a peer is at least as good as ctcf."""
    peers = {"pwm": "the PWM", "deepbind_D00328.018": "DeepBind", "pwm_central": "the central-400 PWM", "deepbind_D00328.018_central": "the central-400 DeepBind"}
    out = []
    for split, label in (("test", "1 kb"), ("test_200bp", "200 bp")):
        for key in ("auroc", "auprc", "mcc"):
            for peer, name in peers.items():
                if split in b[peer] and b[peer][split][key] >= m[split][key] and not (split == "test_200bp" and peer.endswith("_central")):
                    out.append(f"{key.upper()} on {label}: {name} {b[peer][split][key]:.3f} vs {m[split][key]:.3f}")
    if not out:
        return ""
    return ("\n\nWhere a peer is not beaten: " + "; ".join(out) + " (each MCC at that model's own threshold, chosen on the 1-kb validation split).")


def write_card(out):
    """MODEL.md from the bundle's grover.json (all numbers come from there): train_ctcf.py --card-only re-renders it."""
    g = json.load(open(os.path.join(out, "grover.json")))
    arch, prov, b, m = g["architecture"], g["provenance"], g["baseline"], g["metrics"]
    center = next((p["center"] for p in arch["pooling"] if "center" in p), None)
    (f1, k1), (f2, k2) = arch["convs"][0][1:3], arch["convs"][1][1:3]
    K = arch.get("members", 1)
    R = arch["receptive_field"]
    rows = [("**ctcf (this model)**", m), ("JASPAR MA0139.1 PWM (best log-odds, both strands)", b["pwm"]),
            ("DeepBind D00328.018 (ChIP-seq, GM12801; DeepBind's own scoring)", b["deepbind_D00328.018"]),
            ("ctcf-lm (grover-mini fine-tuned, the previous default)", b["ctcf-lm"])]
    if center:
        rows += [(f"JASPAR PWM on the central {center} bp only", b["pwm_central"]),
                 (f"DeepBind D00328.018 on the central {center} bp only", b["deepbind_D00328.018_central"])]
    table = lambda key, rs=rows: "\n".join(f"| {name} | {fmt(r, key)} |" for name, r in rs)
    reports = prov["members"]
    ism = m.get("ism_vs_jaspar")
    ism_line = (f"{ism['overlaps']} of {ism['sequences']} ({100 * ism['rate']:.0f}%; a randomly placed stretch: {100 * ism['chance']:.0f}%)"
                if ism else "not measured (--no-ism)")
    ism_more = ism_notes(ism, m.get("ism_vs_jaspar_valid")) if ism else ""
    (b10, b90), (u10, u90) = motif_positions()
    nets = f"{K} networks, each" if K > 1 else "one network:"
    joined = (" The networks are joined into one graph (grouped convolutions, logits averaged)." if K > 1 else "")
    center_par = (f""" ctcf pools its features over the whole window *and* over its central
{center} bp, as DeepSEA/DanQ-style models predict the centre of a window from its context; given only the
central {center} bp the PWM and DeepBind do better than on the whole window, and ctcf still beats them. For
a genome scan this means a window scores high when a site is near its middle: with the default 1-kb
windows every 200 bp, about two neighbouring windows call each site.""") if center else ""
    assert "test_200bp" in m
    text = f"""# ctcf

Classifies DNA windows as CTCF-bound or not: a small one-hot convolutional network trained here on real
ChIP-seq-derived sequences, and the default model of `grover predict`, `grover score` and
`grover mutagenesis`. grover scans it fully convolutionally: the convolutions run once per ~64-kb chunk
of the genome and every window is pooled out of them, so a smaller `--stride` costs almost nothing.

## Test results

Held-out test splits, never used for training or for choosing anything (1 kb: {m['test']['n']} sequences,
{m['test']['positives']} bound; 200 bp: {m['test_200bp']['n']} sequences, {m['test_200bp']['positives']} bound), both GC-matched real genomic
sequence whose negatives are bound by other factors. AUROC | AUPRC | MCC; the MCC at each model's
threshold chosen on the 1-kb validation split (for ctcf: P(bound) ≥ {g['threshold']}, the BED threshold of
`grover predict`).

**1-kb test split**

| model | AUROC | AUPRC | MCC |
|---|---|---|---|
{table('test')}

**200-bp test split**

| model | AUROC | AUPRC | MCC |
|---|---|---|---|
{table('test_200bp', rows[:4])}

(The central-{center} rows are the same as the whole sequence for 200-bp sequences.){not_beaten(m, b)}

Validation (1 kb): ctcf AUROC {m['valid']['auroc']:.3f}, PWM {b['pwm']['valid']['auroc']:.3f}, DeepBind
{b['deepbind_D00328.018']['valid']['auroc']:.3f}. DanQ (CNN + BiLSTM), trained on the 5,000-sequence source set, reached AUROC
0.895 on its own 10% split (a published number, not this split). DeepBind is scored exactly as its
`deepbind` binary scores a sequence (`scripts/models/deepbind.py`, checked against DeepBind's published values).
ctcf-lm scores the 200-bp set below chance: it was fine-tuned on 1-kb windows only and learnt their
composition, not the motif (its card).

Part of the gain is *where* the motif sits. In the 1-kb sequences the best JASPAR hit of a bound
sequence starts between positions {b10} and {b90} in 80% of them (unbound: {u10}–{u90}): the bound
windows are centred near the peak.{center_par}

In-silico mutagenesis (`scripts/analysis/ism_vs_jaspar.py`: 30 bound test sequences, every base of the central
400 bp changed to each other base): the model's strongest 19-bp stretch overlaps the JASPAR MA0139.1
best hit in {ism_line}.{ism_more}

## What it is

- **Input**: one-hot DNA (A, C, G, T; N = 0.25 each), both strands; P(bound) is the mean of the two
  strands (the BED strand column says which scored higher). Any sequence of at least {R} bp: a window
  is pooled over the positions it has (no padding), so a 100-bp VCF contig or a 200-bp peak is scored as
  itself; a shorter one is padded with N to {R} bp. Windows default to 1,000 bp every 200 bp.
- **Architecture** ({arch['parameters']:,} parameters), {nets} Conv1d(4→{f1 // K}, {k1} bp) + ReLU →
  Conv1d({f1 // K}→{f2 // K}, {k2} bp) + ReLU, valid and stride 1 (receptive field {R} bp) → the max and the mean of each
  feature over the window{f" and over its central {center} bp" if center else ""} → a hidden layer of {arch['hidden'] // K} (ReLU) → logits.{joined}
  `model.onnx` is the whole model (any input length); `trunk.onnx` (onehot → features [batch, {f2},
  length − {R - 1}]) and `head.onnx` (pooled → logits) are the same weights split for fully convolutional
  scanning (grover.json `onnx.scan`).
- **JASPAR initialisation**: two of the first layer's filters start as JASPAR MA0139.1's log2-odds
  (forward and reverse complement), scaled by 0.25, with a bias that opens the ReLU above log-odds 10;
  they are then trained like the others.
- **Data**: `data/ctcf` (1 kb) and `data/ctcf200` (200 bp): ReMap 2020 + UniBind CTCF peaks (hg38) and
  GC-matched sequences bound by other factors, split 70/15/15 with sequences that share a 50-mer kept on
  one side (`data/*/split.tsv`). An auxiliary task on `data/ctcf_dnd41` (101-bp DND-41 ChIP-seq peak
  centres vs *shuffled* copies; sequences sharing a 50-mer with any validation or test sequence removed)
  teaches the first layer the motif through a separate head that is not exported; its accuracy is never
  reported (shuffled negatives are too easy).
- **Training**: AdamW (weight decay 1e-3), warm-up then linear decay, batches of 32 sequences of one
  set plus 64 of the motif task (weight {prov['hyperparameters']['aux_weight']}), dropout 0.2 on the pooled features, a random strand per
  sequence; the epoch with the best 1-kb validation AUROC is kept
  ({'; '.join(f"seed {r['seed']}: epoch {r['best_epoch']}, AUROC {r['valid_auroc']}" for r in reports)}).
  {prov['minutes_on_2_cpu_cores']:.0f} minutes of training on 2 CPU cores; {prov.get('minutes_whole_script', 0):.0f} minutes for the whole script (peers,
  export, checks). Command: `scripts/train/train_ctcf.py {prov['command']}`.
- **ONNX**: opset 14; ONNX Runtime vs PyTorch max |Δ| = {prov['onnx_vs_pytorch_max_abs_delta']:.2g}; trunk + pooling + head
  vs model.onnx on the windows of a chunk: max |Δ| = {prov['scan_vs_model_max_abs_delta']:.2g}.
- **Motif**: the bundle carries JASPAR MA0139.1 (`MA0139.1.jaspar`, CC BY 4.0), named in grover.json.
- **Reproduce**: `/usr/bin/python3 scripts/train/train_ctcf.py` (fixed seeds; needs a built grover).
- **Speed** (`bench/RESULTS.md`, 2 CPU cores): 1 Mb in 2.9 s with `grover predict` (fully
  convolutional; 6.3× PyTorch tiling the same windows); the whole human genome projects to ~59 minutes
  (the previous 64 → 32-filter default: ~94).
- **Licence**: MIT for the weights; the data's terms are in `data/SOURCES.md`.

## What it is not

Not a ChIP-seq experiment: it says whether a sequence looks like the CTCF-bound ones of its training
data (peaks from many cell types), not whether CTCF binds it in your cells (methylation, chromatin and
cell type decide that). Trained on human sequence only. Its negatives are regions bound by other
factors, so a genome scan asks it a harder question than its tests: expect calls at strong motifs that
are not bound. Scores of overlapping windows are not independent; `--merge` or `bedtools merge` joins them.

## What was tried

Single networks, seed 1, 30 epochs, 1-kb validation AUROC (selection only; test numbers were computed
once, for the recipe above). Measured with the exploratory version of this script (same data, splits,
schedule and seed; a rerun with the flags shown gives numbers within noise of these):

| variant | flags | validation AUROC |
|---|---|---|
| 64 → 32 filters, max + mean over the whole window, JASPAR init, 200-bp set, motif task | `--center 0 --hidden 0` | 0.887 |
| same without the motif task | `--center 0 --hidden 0 --aux-weight 0` | 0.873 |
| 128 → 64 filters | `--center 0 --hidden 0 --filters 128 --channels 64` | 0.896 |
| + max and mean over the central 300 bp | `--center 300 --hidden 0` | 0.931 |
| + max and mean over the central 400 bp | `--hidden 0` | 0.951 |
| central 400 bp, 128 → 64 filters | `--hidden 0 --filters 128 --channels 64` | 0.948 |
| central 500 bp, hidden layer of 32 | `--center 500` | 0.950 |
| second kernel 5 bp, hidden layer of 32 | `--kernel2 5` | 0.944 |
| 48 → 24 filters, second kernel 7 bp (half the compute), exploratory version | `--filters 48 --channels 24 --kernel2 7` | 0.951 |
| 64 → 32 filters, kernel 9: central 400 bp, hidden layer of 32, motif task weight 0.5 | `--filters 64 --channels 32 --kernel2 9 --aux-weight 0.5` | 0.958; with this script 0.954 (2 threads: 0.952; seed 2: 0.949) |
| the same with the two JASPAR filters kept fixed | `--filters 64 --channels 32 --kernel2 9 --freeze-jaspar` | 0.956 (this script) |
| 64 → 32 filters, kernel 9, motif task weight 1 (the default until 2026-12-02) | `--filters 64 --channels 32 --kernel2 9` | 0.957 (this script) |
| + the motif-site prior, weight 0.3 / 1 / 3 | `--filters 64 --channels 32 --kernel2 9 --site-prior W` | 0.951 / 0.948 / 0.941 |
| 48 → 24 filters, kernel 7 + the motif-site prior, weight 1 | `--site-prior 1` | 0.943 |
| **48 → 24 filters, kernel 7, motif task weight 1 (this recipe)** | (defaults) | **0.950** |

The mutagenesis check on the first 60 bound *validation* sequences decided among the last seven, because
the 85% target was what the previous default missed (22/30 on test): 54/60 for the previous default (and
55/60 for weight 0.5, 51/60 with fixed JASPAR filters); 53, 55 and 55/60 with the site prior at weight
0.3, 1 and 3; 55/60 for the 48 → 24 trunk with and without it. On a tie the cheaper trunk (half the
convolutions, for the genome-scan time), then the higher validation AUROC, won: this recipe. Test
numbers were computed once, for it. The motif-site prior (`--site-prior W`: scrambling a bound training
sequence's best JASPAR hit must lower its score more than scrambling its second-best hit or a random
stretch) cost validation AUROC and did not raise the validation mutagenesis rate, so it is off.
Training is bit-reproducible with `--threads 1` (the default); more threads sum in another order and
give a slightly different network (weight 0.5: 0.952 with 2 threads, 0.954 with 1).

The previous default, `ctcf-lm` (a 3-layer BPE transformer, `scripts/train/train_lm.py`), stays available as
`--model ctcf-lm`; its card says why it learnt composition, not the motif.
"""
    with open(os.path.join(out, "MODEL.md"), "w") as fh:
        fh.write(text)

if __name__ == "__main__":
    main()
