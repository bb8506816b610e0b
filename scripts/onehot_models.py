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
