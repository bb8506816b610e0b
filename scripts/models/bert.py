"""BERT in plain PyTorch with Hugging Face parameter names (no `transformers` needed).

The module tree mirrors transformers' BertModel / BertForMaskedLM / BertForSequenceClassification, so a
state dict saved by Hugging Face loads here unchanged (and ours load there). GROVER is a BERT of this
shape (12 layers, hidden 768, 12 heads, intermediate 3072, 512 positions) over a BPE DNA vocabulary.
"""
import math

import torch
from torch import nn


class BertConfig:
    def __init__(self, vocab_size, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                 pad_token_id=0, hidden_act="gelu", num_labels=2, classifier_pooling="cls", alibi=False, **_ignored):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.pad_token_id = pad_token_id
        if hidden_act not in ("gelu",):
            raise ValueError(f"hidden_act {hidden_act!r} is not supported (only 'gelu', as GROVER uses)")
        self.hidden_act = hidden_act
        self.num_labels = num_labels
        if classifier_pooling not in ("cls", "mean", "max"):
            raise ValueError(f"classifier_pooling {classifier_pooling!r} must be 'cls' (HF: pooler on [CLS]), 'mean' or 'max'")
        self.classifier_pooling = classifier_pooling
        # DNABERT-2 (MosaicBERT layers): ALiBi attention bias instead of position embeddings, fused Wqkv
        # projection, gated-linear-unit feed-forward (mlp.gated_layers / mlp.wo / mlp.layernorm)
        self.alibi = bool(alibi)

    def to_dict(self):
        d = dict(self.__dict__)
        d["model_type"] = "bert"
        return d


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.alibi = c.alibi
        if not c.alibi:
            self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)),
                             persistent=False)

    def forward(self, input_ids, token_type_ids=None):
        seq_len = input_ids.shape[1]
        pos = self.position_ids[:, :seq_len]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        if not self.alibi:
            x = x + self.position_embeddings(pos)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = c.num_attention_heads
        self.d = c.hidden_size // c.num_attention_heads
        self.fused = c.alibi
        if self.fused:
            self.Wqkv = nn.Linear(c.hidden_size, 3 * c.hidden_size)  # MosaicBERT: [q | k | v], each (heads × d)
        else:
            self.query = nn.Linear(c.hidden_size, c.hidden_size)
            self.key = nn.Linear(c.hidden_size, c.hidden_size)
            self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.d).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        if self.fused:
            q, k, v = (self.split(part) for part in self.Wqkv(x).chunk(3, dim=-1))
        else:
            q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + mask_bias
        probs = self.dropout(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1), probs


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, mask_bias):
        h, probs = self.self(x, mask_bias)
        return self.output(h, x), probs


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertGatedLinearUnitMLP(nn.Module):
    """DNABERT-2's feed-forward: gelu(x W_g) ⊙ (x W_n), then wo, dropout, residual and post-LayerNorm."""
    def __init__(self, c):
        super().__init__()
        self.inter = c.intermediate_size
        self.gated_layers = nn.Linear(c.hidden_size, 2 * c.intermediate_size, bias=False)
        self.wo = nn.Linear(c.intermediate_size, c.hidden_size)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x):
        g = self.gated_layers(x)
        h = nn.functional.gelu(g[..., :self.inter]) * g[..., self.inter:]
        return self.layernorm(self.wo(self.dropout(h)) + x)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.glu = c.alibi
        if self.glu:
            self.mlp = BertGatedLinearUnitMLP(c)
        else:
            self.intermediate = BertIntermediate(c)
            self.output = BertOutput(c)

    def forward(self, x, mask_bias):
        a, probs = self.attention(x, mask_bias)
        if self.glu:
            return self.mlp(a), probs
        return self.output(self.intermediate(a), a), probs


def alibi_slopes(n_heads):
    """ALiBi's per-head slopes (Press et al.): a geometric series from 2^(-8/n); for a head count that is
    not a power of two, the power of two below it plus every other slope of the one above."""
    def pow2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(n_heads).is_integer():
        return pow2(n_heads)
    p = 2 ** math.floor(math.log2(n_heads))
    return pow2(p) + alibi_slopes(2 * p)[0::2][:n_heads - p]


def alibi_bias(n_heads, length, device=None):
    """[1, heads, T, T]: -slope · |i - j| (symmetric: DNABERT-2 is bidirectional)."""
    pos = torch.arange(length, device=device)
    rel = (pos[None, :] - pos[:, None]).abs().to(torch.float32)
    slopes = torch.tensor(alibi_slopes(n_heads), dtype=torch.float32, device=device)
    return (-slopes[:, None, None] * rel[None]).unsqueeze(0)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, x, mask_bias):
        attentions = []
        for layer in self.layer:
            x, probs = layer(x, mask_bias)
            attentions.append(probs)
        return x, attentions


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.config = c
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        x = self.embeddings(input_ids, token_type_ids)
        if self.config.alibi:
            # MosaicBERT: (1 - mask) * -10000 on padded keys, plus the ALiBi distance bias
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0 + \
                alibi_bias(self.config.num_attention_heads, input_ids.shape[1], x.device)
        else:
            # HF: (1 - mask) * finfo.min added to the scores of padded keys.
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        h, attentions = self.encoder(x, bias)
        pooled = self.pooler(h) if self.pooler is not None else None
        return h, pooled, attentions


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x):
        return self.LayerNorm(nn.functional.gelu(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        self.decoder = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, x):
        return self.decoder(self.transform(x)) + self.bias


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)

    def forward(self, x):
        return self.predictions(x)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(c)
        self.tie_weights()

    def tie_weights(self):
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        h, _, attentions = self.bert(input_ids, attention_mask, token_type_ids)
        return self.cls(h), h, attentions


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c.num_labels
        self.bert = BertModel(c)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        h, pooled, attentions = self.bert(input_ids, attention_mask, token_type_ids)
        if self.config.classifier_pooling == "mean":
            # grover's own option (not in transformers): mean of the hidden states over real tokens
            m = (torch.ones_like(input_ids) if attention_mask is None else attention_mask).unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1)
        elif self.config.classifier_pooling == "max":
            # grover's own option: per-feature maximum over real tokens, for "is there a motif anywhere"
            # tasks where one local stretch decides the label and averaging dilutes it
            m = (torch.ones_like(input_ids) if attention_mask is None else attention_mask).unsqueeze(-1)
            pooled = h.masked_fill(m == 0, -1e4).max(1).values
        return self.classifier(self.dropout(pooled)), h, attentions


def init_weights(module, std=0.02):
    """HF's BERT initialisation: normal(0, 0.02) for linear/embedding weights, zero biases, unit LayerNorm."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            m.weight.data.normal_(0.0, std)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.Embedding):
            m.weight.data.normal_(0.0, std)
            if m.padding_idx is not None:
                m.weight.data[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            m.weight.data.fill_(1.0)
            m.bias.data.zero_()


class _Export(nn.Module):
    """What the ONNX graph computes for each grover task.

    classification: logits [B, labels] and last_hidden_state [B, T, H]
    masked-lm:      logits [B, T, vocab] and last_hidden_state [B, T, H]
    embedding:      last_hidden_state [B, T, H]
    The hidden states let `grover embed` use any bundle.
    """

    def __init__(self, model, task):
        super().__init__()
        self.model = model
        self.task = task

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids, attention_mask)
        if self.task == "embedding":
            return out[0]
        return out[0], out[1]


OUTPUT_NAMES = {"classification": ["logits", "last_hidden_state"], "masked-lm": ["logits", "last_hidden_state"],
                "embedding": ["last_hidden_state"]}


def export_onnx(model, task, path, opset=14, seq_len=16):
    model.eval()
    # A new module is in training mode, and torch.onnx.export restores that mode after tracing, which
    # would switch dropout back on in `model`: put the wrapper in eval mode too.
    wrapped = _Export(model, task).eval()
    ids = torch.randint(5, model.config.vocab_size, (2, seq_len), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, seq_len // 2:] = 0
    names = OUTPUT_NAMES[task]
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "last_hidden_state": {0: "batch", 1: "tokens"}}
    if task != "embedding":
        axes["logits"] = {0: "batch"} if task == "classification" else {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(wrapped, (ids, mask), path, input_names=["input_ids", "attention_mask"],
                          output_names=names, dynamic_axes=axes, opset_version=opset,
                          do_constant_folding=True)


class _ExportAttentions(nn.Module):
    """The attention variant of a bundle's graph: every layer's attention probabilities, stacked
    [layers, batch, heads, tokens, tokens] (rows: the attending token; columns: the attended one)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return torch.stack(self.model(input_ids, attention_mask)[2])


def export_attentions_onnx(model, path, opset=14, seq_len=16):
    model.eval()
    wrapped = _ExportAttentions(model).eval()
    ids = torch.randint(5, model.config.vocab_size, (2, seq_len), dtype=torch.long)
    mask = torch.ones_like(ids)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "attentions": {1: "batch", 3: "tokens", 4: "tokens_attended"}}
    with torch.no_grad():
        torch.onnx.export(wrapped, (ids, mask), path, input_names=["input_ids", "attention_mask"],
                          output_names=["attentions"], dynamic_axes=axes, opset_version=opset,
                          do_constant_folding=True)
