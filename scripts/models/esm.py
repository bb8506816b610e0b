"""Nucleotide Transformer (an ESM encoder) in plain PyTorch with Hugging Face parameter names.

The module tree mirrors transformers' EsmModel / EsmForMaskedLM / EsmForSequenceClassification, so the
state dict of a published NT checkpoint (InstaDeepAI/nucleotide-transformer-*) loads unchanged:
- NT v1 (500M/2.5B): learned absolute positions (RoBERTa-style ids: padding_idx + 1 + index), GELU
  feed-forward with biases;
- NT v2 (50M-500M multi-species): rotary position embeddings on query and key, a SwiGLU feed-forward
  (intermediate.dense makes 2 × intermediate_size; silu(first half) × second half) without biases
  (add_bias_fnn false).
Pre-LayerNorm layers (attention.LayerNorm before attention, LayerNorm before the feed-forward), the
query scaled by head_size^-0.5 before rotary, emb_layer_norm_after at the end, ESM's token dropout
(masked tokens zeroed, the rest rescaled) when the config asks for it. Which variant a checkpoint is
comes from its config and the shape of intermediate.dense.
"""
import math

import torch
from torch import nn


class EsmConfig:
    def __init__(self, vocab_size, hidden_size=512, num_hidden_layers=12, num_attention_heads=16, intermediate_size=2048,
                 max_position_embeddings=2050, layer_norm_eps=1e-12, pad_token_id=1, mask_token_id=2,
                 position_embedding_type="rotary", emb_layer_norm_before=False, token_dropout=False, add_bias_fnn=True,
                 glu=False, num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **_ignored):
        if position_embedding_type not in ("absolute", "rotary"):
            raise ValueError(f"position_embedding_type {position_embedding_type!r} is not supported (absolute or rotary, as NT uses)")
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.layer_norm_eps = layer_norm_eps
        self.pad_token_id = pad_token_id
        self.mask_token_id = mask_token_id
        self.position_embedding_type = position_embedding_type
        self.emb_layer_norm_before = bool(emb_layer_norm_before)
        self.token_dropout = bool(token_dropout)
        self.add_bias_fnn = bool(add_bias_fnn)
        self.glu = bool(glu)
        self.num_labels = num_labels
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob

    def to_dict(self):
        d = dict(self.__dict__)
        d["model_type"] = "esm"
        return d


def gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class RotaryEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim)))

    def forward(self, q, k):
        t = torch.arange(k.shape[-2], device=k.device).type_as(self.inv_freq)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


class EsmEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps) if c.emb_layer_norm_before else None
        if c.position_embedding_type == "absolute":
            self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size, padding_idx=c.pad_token_id)

    def forward(self, input_ids, attention_mask):
        x = self.word_embeddings(input_ids)
        if self.c.token_dropout:
            is_mask = (input_ids == self.c.mask_token_id).unsqueeze(-1)
            x = x.masked_fill(is_mask, 0.0)
            observed = is_mask.squeeze(-1).sum(-1).float() / attention_mask.sum(-1)
            x = x * (1 - 0.15 * 0.8) / (1 - observed)[:, None, None]
        if self.c.position_embedding_type == "absolute":
            real = input_ids.ne(self.c.pad_token_id).long()
            x = x + self.position_embeddings(torch.cumsum(real, dim=1) * real + self.c.pad_token_id)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return x * attention_mask.unsqueeze(-1).to(x.dtype)


class EsmSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = c.num_attention_heads
        self.d = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.rotary_embeddings = RotaryEmbedding(self.d) if c.position_embedding_type == "rotary" else None

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.d).transpose(1, 2)

    def forward(self, x, bias):
        q = self.split(self.query(x)) * self.d ** -0.5
        k, v = self.split(self.key(x)), self.split(self.value(x))
        if self.rotary_embeddings is not None:
            q, k = self.rotary_embeddings(q, k)
        probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) + bias, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1), probs


class _Dense(nn.Module):
    def __init__(self, i, o, bias=True):
        super().__init__()
        self.dense = nn.Linear(i, o, bias=bias)


class EsmAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = EsmSelfAttention(c)
        self.output = _Dense(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, bias):
        h, probs = self.self(self.LayerNorm(x), bias)
        return self.output.dense(h) + x, probs


class EsmLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.attention = EsmAttention(c)
        self.intermediate = _Dense(c.hidden_size, c.intermediate_size * (2 if c.glu else 1), bias=c.add_bias_fnn)
        self.output = _Dense(c.intermediate_size, c.hidden_size, bias=c.add_bias_fnn)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, bias):
        a, probs = self.attention(x, bias)
        h = self.intermediate.dense(self.LayerNorm(a))
        if self.c.glu:
            h1, h2 = h.chunk(2, dim=-1)
            h = nn.functional.silu(h1) * h2
        else:
            h = gelu(h)
        return self.output.dense(h) + a, probs


class EsmEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([EsmLayer(c) for _ in range(c.num_hidden_layers)])
        self.emb_layer_norm_after = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, bias):
        attentions = []
        for layer in self.layer:
            x, probs = layer(x, bias)
            attentions.append(probs)
        return self.emb_layer_norm_after(x), attentions


class EsmModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = EsmEmbeddings(c)
        self.encoder = EsmEncoder(c)

    def forward(self, input_ids, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        x = self.embeddings(input_ids, attention_mask)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        h, attentions = self.encoder(x, bias)
        return h, None, attentions


class EsmLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.decoder = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, x):
        return self.decoder(self.layer_norm(gelu(self.dense(x)))) + self.bias


class EsmForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.esm = EsmModel(c)
        self.lm_head = EsmLMHead(c)

    def forward(self, input_ids, attention_mask=None):
        h, _, attentions = self.esm(input_ids, attention_mask)
        return self.lm_head(h), h, attentions


class EsmClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.out_proj = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, h):
        return self.out_proj(torch.tanh(self.dense(h[:, 0])))


class EsmForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.esm = EsmModel(c)
        self.classifier = EsmClassificationHead(c)

    def forward(self, input_ids, attention_mask=None):
        h, _, attentions = self.esm(input_ids, attention_mask)
        return self.classifier(h), h, attentions


def esm_init(model, std=0.02, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_(torch.ones_like(p) if name.endswith("weight") else torch.zeros_like(p))
            elif p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=g) * std)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * std)
