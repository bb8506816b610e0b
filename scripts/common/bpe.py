"""Encode DNA with a tokenizer.json BPE model exactly as Hugging Face's BPE does (used for training data).

Merges are applied by rank, lowest first, leftmost first among equal ranks (HF's priority-queue
merge_all). Only what grover's own vocabularies use: no normalizer, Whitespace pre-tokenizer, [CLS] x [SEP].
"""
import heapq
import json


class BPE:
    def __init__(self, path):
        tok = json.load(open(path))
        m = tok["model"]
        self.vocab = m["vocab"]
        self.inv = {i: t for t, i in self.vocab.items()}
        self.unk = self.vocab[m["unk_token"]]
        self.merges = {}
        for rank, pair in enumerate(m["merges"]):
            a, b = pair.split(" ") if isinstance(pair, str) else pair
            self.merges[(self.vocab[a], self.vocab[b])] = (rank, self.vocab[a + b])
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.pad, self.mask = self.vocab["[PAD]"], self.vocab["[MASK]"]
        self.cache = {}

    def word(self, w):
        hit = self.cache.get(w)
        if hit is not None:
            return hit
        ids = [self.vocab.get(c, self.unk) for c in w]
        nxt = list(range(1, len(ids) + 1))
        prv = list(range(-1, len(ids) - 1))
        alive = [True] * len(ids)
        heap = []
        for i in range(len(ids) - 1):
            m = self.merges.get((ids[i], ids[i + 1]))
            if m:
                heap.append((m[0], i, m[1]))
        heapq.heapify(heap)
        while heap:
            rank, i, new = heapq.heappop(heap)
            if not alive[i] or nxt[i] >= len(ids):
                continue
            j = nxt[i]
            m = self.merges.get((ids[i], ids[j]))
            if m is None or m[1] != new:
                continue
            ids[i] = new
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < len(ids):
                prv[nxt[j]] = i
            if prv[i] >= 0:
                m = self.merges.get((ids[prv[i]], ids[i]))
                if m:
                    heapq.heappush(heap, (m[0], prv[i], m[1]))
            if nxt[i] < len(ids):
                m = self.merges.get((ids[i], ids[nxt[i]]))
                if m:
                    heapq.heappush(heap, (m[0], i, m[1]))
        out = [t for t, a in zip(ids, alive) if a]
        if len(w) <= 64:
            self.cache[w] = out
        return out

    def encode(self, seq, specials=True):
        ids = []
        for w in seq.split():
            ids.extend(self.word(w))
        return [self.cls] + ids + [self.sep] if specials else ids
