"""HyenaDNA in plain PyTorch with the parameter names of its Hugging Face port (LongSafari/hyenadna-*-hf,
HyenaDNAModel / HyenaDNAForCausalLM / HyenaDNAForSequenceClassification), so a published state dict
loads unchanged.

Each block: LayerNorm → Hyena operator (in_proj to 3·d, a depthwise short convolution of 3 taps, then
v·x1 convolved with a long implicit filter — an MLP with sine activations over complex-exponential
positional features, exponentially modulated — plus a bias, times x0, out_proj) → residual →
LayerNorm → MLP (tanh-approximated GELU) → residual; a final LayerNorm. Causal throughout.

The long convolution is computed in the time domain (a depthwise Conv1d whose kernel is the filter,
flipped, with L−1 zeros of left padding) instead of HyenaDNA's FFT: the two are the same causal
convolution, and ONNX (opset 14) has no FFT. The filter is materialised at a fixed length (max_seq_len,
or less when exported with --max-length): the longest input the graph takes (grover.json max_tokens).
Cost grows as length × that per channel.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F


class HyenaConfig:
    def __init__(self, vocab_size=12, d_model=128, n_layer=2, d_inner=512, max_seq_len=1026, emb_dim=5, filter_order=64,
                 num_inner_mlps=2, hyena_order=2, short_filter_order=3, activation_freq=10, train_freq=True,
                 pad_vocab_size_multiple=8, layer_norm_epsilon=1e-5, pad_token_id=4, num_labels=2, **_ignored):
        if hyena_order != 2:
            raise ValueError(f"hyena_order {hyena_order} is not supported (HyenaDNA uses 2)")
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.n_layer = n_layer
        self.d_inner = d_inner
        self.max_seq_len = max_seq_len
        self.emb_dim = emb_dim
        self.filter_order = filter_order
        self.num_inner_mlps = num_inner_mlps
        self.hyena_order = hyena_order
        self.short_filter_order = short_filter_order
        self.activation_freq = activation_freq
        self.train_freq = train_freq
        self.pad_vocab_size_multiple = pad_vocab_size_multiple
        self.layer_norm_epsilon = layer_norm_epsilon
        self.pad_token_id = pad_token_id
        self.num_labels = num_labels

    @property
    def padded_vocab(self):
        m = self.pad_vocab_size_multiple
        return self.vocab_size + (m - self.vocab_size % m) % m

    def to_dict(self):
        d = dict(self.__dict__)
        d["model_type"] = "hyenadna"
        return d


class HyenaSin(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.freq = nn.Parameter(c.activation_freq * torch.ones(1, c.filter_order))

    def forward(self, x):
        return torch.sin(self.freq * x)


class HyenaPositionalEmbedding(nn.Module):
    def __init__(self, c):
        super().__init__()
        L = c.max_seq_len
        t = torch.linspace(0, 1, L)[None, :, None]
        bands = (c.emb_dim - 1) // 2
        w = 2 * math.pi * torch.linspace(0, L - 1, L)[None, :, None] / L
        f = torch.linspace(1e-4, bands - 1, bands)[None, None]
        self.register_buffer("z", torch.cat([t, torch.cos(-f * w), torch.sin(-f * w)], dim=-1))
        self.register_buffer("t", t)


class HyenaExponentialModulation(nn.Module):
    def __init__(self, d_model, fast_decay_pct=0.3, slow_decay_pct=1.5, target=1e-2, shift=0.05):
        super().__init__()
        self.shift = shift
        deltas = torch.linspace(math.log(target) / slow_decay_pct, math.log(target) / fast_decay_pct, d_model)[None, None]
        self.register_buffer("deltas", deltas)

    def forward(self, t, x):
        return x * (torch.exp(-t * self.deltas.abs()) + self.shift)


class HyenaFilter(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(c.d_model * (c.hyena_order - 1)))
        self.pos_emb = HyenaPositionalEmbedding(c)
        act = HyenaSin(c)  # one module shared by every sine layer, as in HyenaDNA
        layers = [nn.Linear(c.emb_dim, c.filter_order), act]
        for _ in range(c.num_inner_mlps):
            layers += [nn.Linear(c.filter_order, c.filter_order), act]
        layers.append(nn.Linear(c.filter_order, c.d_model, bias=False))
        self.implicit_filter = nn.Sequential(*layers)
        self.modulation = HyenaExponentialModulation(c.d_model)

    def filter(self, L):
        z = self.pos_emb.z[:, :L]
        t = self.pos_emb.t[:, :L]
        return self.modulation(t, self.implicit_filter(z))  # [1, L, d]


def causal_conv(u, k):
    """y[b, d, t] = Σ_{s ≤ t} k[d, s] · u[b, d, t − s]: HyenaDNA's fftconv without the FFT. u [B, d, L],
    k [d, K] with K ≥ L (taps past the input's length meet only the zero padding, so a filter computed
    for max_seq_len gives the same result as one cut to L: the kernel keeps a fixed shape in ONNX)."""
    K = k.shape[-1]
    return F.conv1d(F.pad(u, (K - 1, 0)), k.flip(-1).unsqueeze(1), groups=u.shape[1])


class HyenaOperator(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.d = c.d_model
        self.l_max = c.max_seq_len
        inner = c.d_model * (c.hyena_order + 1)
        self.in_proj = nn.Linear(c.d_model, inner)
        self.out_proj = nn.Linear(c.d_model, c.d_model)
        self.short_filter = nn.Conv1d(inner, inner, c.short_filter_order, padding=2, groups=inner)
        self.filter_fn = HyenaFilter(c)

    def forward(self, u):
        L = u.shape[-2]
        u = self.in_proj(u).transpose(1, 2)
        uc = self.short_filter(u)[..., :L]
        x0, x1, v = uc.split(self.d, dim=1)
        # [d, l_max]: HyenaDNA's taps for every L ≤ l_max (l_max = max_seq_len, or the export's --max-length)
        k = self.filter_fn.filter(self.l_max)[0].transpose(0, 1)
        v = v * x1
        v = causal_conv(v, k) + v * self.filter_fn.bias.unsqueeze(-1)
        return self.out_proj((v * x0).transpose(1, 2))


class HyenaMlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c.d_model, c.d_inner)
        self.fc2 = nn.Linear(c.d_inner, c.d_model)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class HyenaBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.mixer = HyenaOperator(c)
        self.norm1 = nn.LayerNorm(c.d_model)
        self.mlp = HyenaMlp(c)
        self.norm2 = nn.LayerNorm(c.d_model)

    def forward(self, h):
        r = self.mixer(self.norm1(h)) + h
        return self.mlp(self.norm2(r)) + r


class _Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.padded_vocab, c.d_model)


class HyenaLMBackbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = _Embeddings(c)
        self.layers = nn.ModuleList([HyenaBlock(c) for _ in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.d_model, eps=c.layer_norm_epsilon)

    def forward(self, ids):
        h = self.embeddings.word_embeddings(ids)
        for layer in self.layers:
            h = layer(h)
        return self.ln_f(h)


class HyenaDNAModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.backbone = HyenaLMBackbone(c)


class HyenaDNAForCausalLM(nn.Module):
    """grover exports it as an embedding model (last_hidden_state); it has no masked-token head."""
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.hyena = HyenaDNAModel(c)
        self.lm_head = nn.Linear(c.d_model, c.padded_vocab, bias=False)

    def forward(self, input_ids, attention_mask=None):
        h = self.hyena.backbone(input_ids)
        return h, None, []


class HyenaDNAForSequenceClassification(nn.Module):
    """logits of the last real token (HF: the token before the first pad; the last one without pads)."""
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.hyena = HyenaDNAModel(c)
        self.score = nn.Linear(c.d_model, c.num_labels, bias=False)

    def forward(self, input_ids, attention_mask=None):
        h = self.hyena.backbone(input_ids)
        logits = self.score(h)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        last = attention_mask.sum(1) - 1
        return logits[torch.arange(input_ids.shape[0]), last], h, []


def hyena_init(model, seed=0, std=0.02):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("freq"):
                continue
            if "norm" in name:
                p.copy_(torch.ones_like(p) if name.endswith("weight") else torch.zeros_like(p))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * (std if p.dim() > 1 else 0.1))
