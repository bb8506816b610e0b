"""Stages vocab, pretrain and evalmlm: grover-mini's BPE vocabulary and its masked-LM pre-training."""
import json
import math
import random
import time

import numpy as np
import torch

from common.bpe import BPE
from common.dna import acgt_chunks, revcomp, write_json
from models.bert import BertConfig, BertForMaskedLM, init_weights
from train.learn_bpe import learn, tokenizer_json
from train.lm_common import HELD_OUT_CHR22, chr22_seq, cpu_state, ctcf_data, log, lr_at, mini_config, on, pad_batch


# ---- vocabulary
def stage_vocab(run):
    args = run.args
    ctcf = ctcf_data()
    chunks = acgt_chunks(chr22_seq()[:HELD_OUT_CHR22], 1000)
    chunks += [s for s, _ in ctcf["train"] if "N" not in s]
    log(f"vocab: learning {args.merges} merges on {len(chunks)} chunks of 1 kb")
    tokens, merges = learn(chunks, args.merges)
    write_json(run.path("tokenizer.json"), tokenizer_json(tokens, merges))


# ---- pre-training
def mlm_mask(ids, mask, bpe, vocab_size, rng, all_mask=False):
    """BERT's corruption: 15% of tokens chosen; 80% [MASK], 10% random, 10% unchanged (training).
    all_mask=True replaces every chosen token by [MASK] (evaluation: the true token is never shown)."""
    labels = ids.clone()
    special = (ids == bpe.cls) | (ids == bpe.sep) | (mask == 0)
    prob = torch.full(ids.shape, 0.15)
    prob[special] = 0.0
    chosen = torch.bernoulli(prob, generator=rng).bool()
    labels[~chosen] = -100
    inp = ids.clone()
    r = torch.rand(ids.shape, generator=rng)
    if all_mask:
        inp[chosen] = bpe.mask
        return inp, labels
    inp[chosen & (r < 0.8)] = bpe.mask
    rand_tok = torch.randint(5, vocab_size, ids.shape, generator=rng)
    swap = chosen & (r >= 0.8) & (r < 0.9)
    inp[swap] = rand_tok[swap]
    return inp, labels


def pretrain_corpus(bpe):
    ctcf = ctcf_data()
    seq = chr22_seq()
    train_chunks = acgt_chunks(seq[:HELD_OUT_CHR22], 1000) + acgt_chunks(seq[500:HELD_OUT_CHR22], 1000)
    train_chunks += [s for s, _ in ctcf["train"]]
    held = acgt_chunks(seq[HELD_OUT_CHR22:], 1000) + [s for s, _ in ctcf["valid"]][:200]
    enc = lambda xs: [bpe.encode(x) for x in xs] + [bpe.encode(revcomp(x)) for x in xs]
    return enc(train_chunks), enc(held)


def evaluate_mlm(model, held, bpe, vocab_size, unigram, seed=7, device=torch.device("cpu")):
    rng = torch.Generator().manual_seed(seed)
    model.eval()
    nll = correct = total = 0.0
    base_nll = base_correct = 0.0
    top = int(np.argmax(unigram))
    logp_uni = torch.log(torch.tensor(unigram))
    with torch.no_grad():
        for i in range(0, len(held), 32):
            ids, mask = pad_batch(held[i:i + 32], bpe.pad)
            inp, labels = mlm_mask(ids, mask, bpe, vocab_size, rng, all_mask=True)
            logits = model(*on(device, inp, mask))[0].cpu()
            sel = labels != -100
            lp = torch.log_softmax(logits[sel], dim=-1)
            y = labels[sel]
            nll += float(-lp.gather(1, y[:, None]).sum())
            correct += float((lp.argmax(-1) == y).sum())
            base_nll += float(-logp_uni[y].sum())
            base_correct += float((y == top).sum())
            total += float(sel.sum())
    model.train()
    return {"masked_tokens": int(total), "accuracy": round(correct / total, 4),
            "perplexity": round(math.exp(nll / total), 2),
            "baseline_unigram": {"accuracy": round(base_correct / total, 4),
                                 "perplexity": round(math.exp(base_nll / total), 2)}}


def stage_pretrain(run):
    args = run.args
    torch.manual_seed(args.seed)
    bpe = BPE(run.path("tokenizer.json"))
    vocab_size = len(bpe.vocab)
    log("pretrain: tokenizing corpus")
    train, held = pretrain_corpus(bpe)
    ntok = sum(len(x) for x in train)
    log(f"pretrain: {len(train)} training sequences ({ntok} tokens), {len(held)} held out")
    counts = np.bincount(np.concatenate([np.array(x[1:-1]) for x in train]), minlength=vocab_size).astype(float)
    unigram = (counts + 1) / (counts + 1).sum()
    cfg = mini_config(vocab_size)
    model = BertForMaskedLM(cfg)
    init_weights(model)
    model.tie_weights()
    model.to(run.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.pretrain_lr, weight_decay=0.01)
    rng = torch.Generator().manual_seed(args.seed)
    order = random.Random(args.seed)
    model.train()
    t0 = time.time()
    for step in range(args.pretrain_steps):
        batch = order.sample(train, args.batch)
        ids, mask = pad_batch(batch, bpe.pad)
        inp, labels = mlm_mask(ids, mask, bpe, vocab_size, rng)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.pretrain_steps, args.pretrain_lr, args.warmup)
        inp, mask, labels = on(run.device, inp, mask, labels)
        logits = model(inp, mask)[0]
        loss = torch.nn.functional.cross_entropy(logits.view(-1, vocab_size), labels.view(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == args.pretrain_steps - 1:
            el = time.time() - t0
            log(f"pretrain step {step + 1}/{args.pretrain_steps} loss {loss.item():.3f} "
                f"({el / (step + 1):.2f} s/step, {el / 60:.1f} min)")
    minutes = (time.time() - t0) / 60
    metrics = evaluate_mlm(model, held, bpe, vocab_size, unigram, device=run.device)
    log("pretrain: held-out", json.dumps(metrics))
    torch.save({"state_dict": cpu_state(model), "config": cfg.to_dict(), "metrics": metrics,
                "minutes": minutes, "steps": args.pretrain_steps, "train_tokens": ntok, "device": str(run.device)},
               run.path("grover-mini.pt"))


def stage_evalmlm(run):
    """Re-evaluate the saved grover-mini on the held-out set (every chosen token masked)."""
    bpe = BPE(run.path("tokenizer.json"))
    ck = torch.load(run.path("grover-mini.pt"))
    model = BertForMaskedLM(BertConfig(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    train, held = pretrain_corpus(bpe)
    vocab_size = len(bpe.vocab)
    counts = np.bincount(np.concatenate([np.array(x[1:-1]) for x in train]), minlength=vocab_size).astype(float)
    unigram = (counts + 1) / (counts + 1).sum()
    ck["metrics"] = evaluate_mlm(model, held, bpe, vocab_size, unigram)
    log("evalmlm: held-out", json.dumps(ck["metrics"]))
    torch.save(ck, run.path("grover-mini.pt"))
