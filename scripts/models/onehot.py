"""One-hot DNA models in the parameter layouts their authors publish, as plain PyTorch modules.

DanQ (Quang & Xie 2016) as the Selene SDK publishes it (models/danQ.py; checkpoints are
torch.save({"state_dict": ...}) files, best_model.pth.tar): parameter names nnet.0 (Conv1d 4→320,
kernel 26), bdlstm.0 (bidirectional LSTM 320→320, sequence-first), classifier.1 (Linear n·640→925) and
classifier.3 (Linear 925→targets), a sigmoid on top; input [batch, 4, length] one-hot in A, C, G, T
order, N = 0.25 each. Pool size and stride 13 as in DanQ. Sizes are read from the weights, so reduced
configurations load the same way.
"""
import math

import torch
from torch import nn


def danq_sizes(sd, sequence_length, pool=13):
    conv = sd["nnet.0.weight"]  # [channels, 4, kernel]
    hidden = sd["bdlstm.0.weight_hh_l0"].shape[1]
    dense_in = sd["classifier.1.weight"].shape[1]
    n = math.floor((sequence_length - conv.shape[2] + 1) / pool)
    if n * 2 * hidden != dense_in:
        raise ValueError(f"the weights expect {dense_in // (2 * hidden)} positions after pooling, a {sequence_length}-bp input "
                         f"gives {n}: give the sequence length the model was trained on (--sequence-length)")
    return {"channels": conv.shape[0], "kernel": conv.shape[2], "pool": pool, "hidden": hidden,
            "dense": sd["classifier.1.weight"].shape[0], "targets": sd["classifier.3.weight"].shape[0],
            "positions": n, "sequence_length": sequence_length}


class DanQ(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        self.nnet = nn.Sequential(nn.Conv1d(4, s["channels"], kernel_size=s["kernel"]), nn.ReLU(),
                                  nn.MaxPool1d(kernel_size=s["pool"], stride=s["pool"]), nn.Dropout(0.2))
        self.bdlstm = nn.Sequential(nn.LSTM(s["channels"], s["hidden"], num_layers=1, batch_first=False, bidirectional=True))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(s["positions"] * 2 * s["hidden"], s["dense"]), nn.ReLU(),
                                        nn.Linear(s["dense"], s["targets"]), nn.Sigmoid())

    def logits(self, x):
        """x: [batch, 4, length] → pre-sigmoid scores [batch, targets]."""
        h = self.nnet(x).permute(2, 0, 1)  # [positions, batch, channels]
        h, _ = self.bdlstm(h)
        h = h.permute(1, 0, 2).reshape(x.shape[0], -1)  # [batch, positions · 2 · hidden]
        c = self.classifier
        return c[3](c[2](c[1](c[0](h))))

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def random_init(model, seed=0):
    """Random weights for test checkpoints: normal with std 1/sqrt(fan-in) (biases 0.1/…), so activations stay O(1)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = math.prod(p.shape[1:]) if p.dim() > 1 else p.shape[0]
            p.copy_(torch.randn(p.shape, generator=g) * ((1.0 if p.dim() > 1 else 0.1) / math.sqrt(max(1, fan_in))))


def one_hot(seq):
    """[length, 4] in A, C, G, T order; any other letter 0.25 each (Selene's and grover's convention)."""
    idx = {"A": 0, "C": 1, "G": 2, "T": 3}
    x = torch.full((len(seq), 4), 0.25)
    for i, b in enumerate(seq.upper()):
        if b in idx:
            x[i] = 0
            x[i, idx[b]] = 1
    return x


# ---------------------------------------------------------------- profile model (Basenji-like)
def profile_sizes(sd, sequence_length, bins):
    """ProfileCNN sizes from its weights: channels (stem.0), bin size (2 ** number of tower stages),
    dilated residual blocks, tracks (head.0)."""
    towers = sorted({int(k.split(".")[1]) for k in sd if k.startswith("tower.")})
    blocks = sorted({int(k.split(".")[1]) for k in sd if k.startswith("residual.")})
    bin_size = 2 ** len(towers)
    if sequence_length % bin_size:
        raise ValueError(f"the sequence length {sequence_length} is not a multiple of the model's bin size {bin_size}")
    positions = sequence_length // bin_size
    if bins > positions or (positions - bins) % 2:
        raise ValueError(f"{bins} output bins cannot be the central crop of {positions} bins of {bin_size} bp")
    return {"channels": sd["stem.0.weight"].shape[0], "stem_kernel": sd["stem.0.weight"].shape[2], "bin_size": bin_size,
            "towers": len(towers), "dilations": [2 ** (i + 1) for i in range(len(blocks))], "tracks": sd["head.0.weight"].shape[0],
            "sequence_length": sequence_length, "bins": bins, "offset": (sequence_length - bins * bin_size) // 2}


class ProfileCNN(nn.Module):
    """A Basenji-style profile model: a convolution stem, tower stages that each halve the resolution
    (conv 5 + GELU + max-pool 2) down to bin_size bp, dilated residual convolutions (dilation 2, 4, 8, …)
    that widen the receptive field, a central crop to `bins` bins, and a 1×1 convolution + softplus to
    the tracks. Input [batch, 4, length] (A, C, G, T); output [batch, bins, tracks]. The parameter names
    (stem.0, tower.K.0, residual.K.conv, head.0) are grover's own: Basenji and Enformer publish TensorFlow
    or other PyTorch layouts, which need their own loaders."""
    def __init__(self, s):
        super().__init__()
        c = s["channels"]
        self.s = s
        self.stem = nn.Sequential(nn.Conv1d(4, c, s["stem_kernel"], padding=s["stem_kernel"] // 2), nn.GELU())
        self.tower = nn.ModuleList([nn.Sequential(nn.Conv1d(c, c, 5, padding=2), nn.GELU(), nn.MaxPool1d(2)) for _ in range(s["towers"])])
        self.residual = nn.ModuleList([_Dilated(c, d) for d in s["dilations"]])
        self.head = nn.Sequential(nn.Conv1d(c, s["tracks"], 1), nn.Softplus())

    def forward(self, x):
        h = self.stem(x)
        for t in self.tower:
            h = t(h)
        for r in self.residual:
            h = r(h)
        crop = (h.shape[2] - self.s["bins"]) // 2
        h = h[:, :, crop:crop + self.s["bins"]]
        return self.head(h).permute(0, 2, 1)


class _Dilated(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.conv = nn.Conv1d(c, c, 3, dilation=d, padding=d)

    def forward(self, h):
        return h + self.conv(nn.functional.gelu(h))


# ---------------------------------------------------------------- scanning CNN (grover's CTCF model)
def scan_receptive_field(s):
    """bp that one trunk feature sees: every convolution adds (kernel − 1) · dilation, a stride-1 max-pool (size − 1)."""
    r = 1
    for i, (_, _, k, d, *_) in enumerate(s["convs"]):
        r += (k - 1) * d
        if i + 1 < len(s["convs"]):
            r += s["pool_between"] - 1
    return r


def central(f, length, center, R):
    """The feature positions [batch, channels, positions] whose receptive field lies in the central `center`
    bp of an input of `length` bp (all of them when it is not longer). Written with tensor arithmetic on
    the positions so that torch.onnx traces it as graph operations: the exported graph crops any input
    length the same way."""
    if not torch.jit.is_tracing() and length <= center:
        return f
    pos = torch.arange(f.shape[2])
    L = pos[-1] + R  # the input length, as a traced value
    cut = L > center
    start = torch.where(cut, torch.div(L - center, 2, rounding_mode="floor"), torch.zeros_like(L))
    count = torch.where(cut, torch.full_like(L, center - R + 1), L - R + 1)
    return f.index_select(2, torch.arange(count) + start)


class ScanCNN(nn.Module):
    """A one-hot classifier that grover scans fully convolutionally: a trunk of valid (unpadded) stride-1
    convolutions with ReLU (a stride-1 max-pool of size pool_between between them), global pooling of the
    trunk's features over the input (each of s["pooling"]: max, mean; concatenated in that order, channel
    by channel), and a linear head (or one hidden layer) to the label logits. Feature p depends only on bases
    p … p + receptive_field − 1, so the features of a long chunk are those of every window inside it and
    grover pools windows out of one trunk pass per chunk (grover.json "onnx.scan").
    s = {"convs": [[in, out, kernel, dilation(, groups)], …], "pool_between": 1,
         "pooling": [{"op": "max"}, {"op": "mean"}, {"op": "max", "center": 400}, …],
         "hidden": 0, "labels": 2, "dropout": 0.2}; input [batch, length, 4] (A, C, G, T; N = 0.25).
    A pooling with "center": c covers only the positions whose receptive field lies in the input's central
    c bp, from ⌊(length − c)/2⌋ (all positions when the input is not longer than c)."""
    def __init__(self, s):
        super().__init__()
        self.s = s
        self.convs = nn.ModuleList([nn.Conv1d(c[0], c[1], c[2], dilation=c[3], groups=c[4] if len(c) > 4 else 1) for c in s["convs"]])
        self.between = nn.MaxPool1d(s["pool_between"], stride=1) if s.get("pool_between", 1) > 1 else nn.Identity()
        width = s["convs"][-1][1] * len(s["pooling"])
        self.dropout = nn.Dropout(s.get("dropout", 0.0))
        if s.get("hidden"):
            self.head = nn.Sequential(nn.Linear(width, s["hidden"]), nn.ReLU(), nn.Linear(s["hidden"], s["labels"]))
        else:
            self.head = nn.Sequential(nn.Linear(width, s["labels"]))

    @property
    def receptive_field(self):
        return scan_receptive_field(self.s)

    def trunk(self, onehot):
        """[batch, length, 4] → features [batch, channels, length − receptive_field + 1]."""
        h = onehot.permute(0, 2, 1)
        for i, conv in enumerate(self.convs):
            if i:
                h = self.between(h)
            h = torch.relu(conv(h))
        return h

    def pool(self, f):
        length = f.shape[2] + self.receptive_field - 1
        parts = []
        for p in self.s["pooling"]:
            g = f
            c = p.get("center")
            if c is not None:
                g = central(f, length, c, self.receptive_field)
            parts.append(g.amax(dim=2) if p["op"] == "max" else g.mean(dim=2))
        return torch.cat(parts, dim=1)

    def forward(self, onehot):
        return self.head(self.dropout(self.pool(self.trunk(onehot))))


class ScanTrunk(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, onehot):
        return self.model.trunk(onehot)


class ScanHead(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pooled):
        return self.model.head(pooled)
