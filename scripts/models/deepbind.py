"""DeepBind (Alipanahi et al. 2015) models from their published parameter files, scored in numpy exactly
as the `deepbind` binary (v0.11) scores them. A reference for grover's exported DeepBind bundles and the
DeepBind peer of the CTCF model card; never used at grover's run time.

Parameter file (`# deepbind 0.1`, then `key = value` lines): reverse_complement, num_detectors (d),
detector_len (m), has_avg_pooling, num_hidden, then comma-separated floats: detectors (d·m·4, index
detector + d·(base + 4·pos), bases A, C, G, T), thresholds (d), weights1 (h1·h2, index i·h2 + j, where
h1 = 2d with average pooling — max and mean of each detector interleaved — else d, and h2 = num_hidden or
1), biases1 (h2), weights2 (num_hidden), biases2 (1 when num_hidden > 0).

Scoring one strand of a sequence of n bases:
- windows: sequences longer than w = int(1.5 · m) are scored in every window [i, i + w) and the maximum
  is kept; a sequence of at most w bases is one window of its own length.
- a window's feature map is the "full" convolution over its bases with m − 1 N on each side (N = 0.25 of
  each base), so n_w + m − 1 placements; "deepbind" mode (the original binary) pads every window with N,
  "flank" mode (kundajelab/DeepBindToKeras's modified binary) uses the real neighbouring bases and N only
  beyond the sequence.
- ReLU(conv + threshold), max pool (and mean pool) over the placements, then either score =
  biases1 + weights1 · pooled (no hidden layer) or score = biases2 + weights2 · ReLU(biases1 + W1 · pooled).
- reverse_complement = 1: the score is the larger of the two strands.
"""
import numpy as np

BASES = "ACGT"


class ParamError(ValueError):
    pass


def read_params(path):
    """The parameters of one DeepBind model as numpy arrays; ParamError (saying what and where) if the
    file is not a DeepBind parameter file."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except UnicodeDecodeError:
        raise ParamError(f"{path} is not a text file, so not a DeepBind parameter file")
    if not lines or not lines[0].startswith("# deepbind"):
        raise ParamError(f"{path}: line 1 should be '# deepbind 0.1' (a DeepBind parameter file starts so), "
                         f"got {lines[0][:40]!r}" if lines else f"{path} is empty: not a DeepBind parameter file")
    kv = {}
    for no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if " = " not in line and not line.rstrip().endswith("="):
            raise ParamError(f"{path}:{no}: expected 'key = value', got {line[:40]!r}")
        k, _, v = line.partition("=")
        kv[k.strip()] = (no, v.strip())
    ints = {}
    for k in ("reverse_complement", "num_detectors", "detector_len", "has_avg_pooling", "num_hidden"):
        if k not in kv:
            raise ParamError(f"{path}: no '{k} = …' line: not a complete DeepBind parameter file")
        no, v = kv[k]
        try:
            ints[k] = int(v)
        except ValueError:
            raise ParamError(f"{path}:{no}: {k} should be a whole number, got {v[:20]!r}")
    d, m, hid = ints["num_detectors"], ints["detector_len"], ints["num_hidden"]
    if d < 1 or m < 1 or hid < 0:
        raise ParamError(f"{path}: num_detectors and detector_len must be ≥ 1 and num_hidden ≥ 0")
    h1 = 2 * d if ints["has_avg_pooling"] else d
    h2 = hid if hid else 1
    sizes = {"detectors": d * m * 4, "thresholds": d, "weights1": h1 * h2, "biases1": h2,
             "weights2": hid, "biases2": 1 if hid else 0}
    arrays = {}
    for k, size in sizes.items():
        if size == 0:
            arrays[k] = np.zeros(0)
            continue
        if k not in kv:
            raise ParamError(f"{path}: no '{k} = …' line")
        no, v = kv[k]
        try:
            vals = np.array([float(x) for x in v.split(",")], dtype=np.float64)
        except ValueError:
            raise ParamError(f"{path}:{no}: {k} holds something that is not a number")
        if vals.size != size:
            raise ParamError(f"{path}:{no}: {k} has {vals.size} values, but the sizes above need {size}")
        if not np.all(np.isfinite(vals)):
            raise ParamError(f"{path}:{no}: {k} holds a value that is not finite")
        arrays[k] = vals
    p = dict(ints)
    # detectors[k + d·(b + 4·t)] → W[t, b, k]
    p["W"] = arrays["detectors"].reshape(m, 4, d)
    p["thresholds"] = arrays["thresholds"]
    p["W1"] = arrays["weights1"].reshape(h1, h2)
    p["b1"] = arrays["biases1"]
    p["w2"] = arrays["weights2"]
    p["b2"] = float(arrays["biases2"][0]) if hid else 0.0
    return p


def window_size(p):
    return int(p["detector_len"] * 1.5)


def encode(seq):
    """Codes 0..3 for A, C, G, T (U = T), 4 for anything else (scored as N)."""
    lut = np.full(256, 4, dtype=np.int64)
    for i, b in enumerate(BASES):
        lut[ord(b)] = lut[ord(b.lower())] = i
    lut[ord("U")] = lut[ord("u")] = 3
    return lut[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def _strand(p, x, mode):
    """Score of one strand (codes x) under the window scanning of `mode` ('deepbind' or 'flank').

    Every placement j (bases j … j + m − 1, N outside the sequence) is computed once: its diagonal
    partial sums S[j, c] = Σ_{t<c} (W[t, x_{j+t}] − N_t) give the full placement (c = m) and the
    placements that a window's N padding cuts short at either end ("deepbind" mode), so each window's
    feature map is its interior placements plus m − 1 cut ones on each side.
    """
    W, thr = p["W"], p["thresholds"]
    m, d = W.shape[0], W.shape[2]
    n = len(x)
    w = window_size(p)
    nW = W.mean(axis=1)  # [m, d]: an N base
    Dt = np.concatenate([W - nW[:, None, :], np.zeros((m, 1, d))], axis=1)  # [m, 5, d]; N → 0
    j = np.arange(-(m - 1), n)  # every placement start
    pos = j[:, None] + np.arange(m)[None, :]
    codes = np.where((pos >= 0) & (pos < n), x[np.clip(pos, 0, n - 1)], 4)
    D = Dt[np.arange(m)[None, :], codes]  # [placements, m, d]
    S = np.concatenate([np.zeros((len(j), 1, d)), np.cumsum(D, axis=1)], axis=1)  # [placements, m + 1, d]
    base = nW.sum(axis=0) + thr  # all-N placement + threshold
    full = np.maximum(base + S[:, m], 0)  # [placements, d]; row r is placement j = r − (m − 1)
    win = min(n, w)
    starts = np.array([0]) if n <= w else np.arange(n - w + 1)
    r0 = starts  # row of placement j = start − (m − 1)
    K = win + m - 1
    if mode == "flank":
        idx = r0[:, None] + np.arange(K)[None, :]
        fm = full[idx]  # [win, K, d]
    else:
        s = np.arange(1, m)  # placements cut by the left padding: j = start − s keeps bases t ≥ s
        left = np.maximum(base + S[r0[:, None] + (m - 1) - s[None, :], m] - S[r0[:, None] + (m - 1) - s[None, :], s[None, :]], 0) \
            if m > 1 else np.zeros((len(starts), 0, d))
        if win >= m:
            inner = full[r0[:, None] + (m - 1) + np.arange(win - m + 1)[None, :]]
            # cut by the right padding: j = start + win − m + q keeps bases t < m − q
            q = np.arange(1, m)
            rows = r0[:, None] + (m - 1) + win - m + q[None, :]
            right = np.maximum(base + S[rows, m - q[None, :]], 0)
        else:  # a window shorter than a detector: every placement is cut on one side or both
            inner = np.zeros((len(starts), 0, d))
            jj = np.arange(-(m - 1), win)  # placements relative to the window start, right of the left-cut ones
            jj = jj[jj >= 0]
            rows = r0[:, None] + (m - 1) + jj[None, :]
            keep = np.minimum(m, win - jj)[None, :]
            right = np.maximum(base + S[rows, keep], 0)
            s = np.arange(1, m)
            rows_l = r0[:, None] + (m - 1) - s[None, :]
            hi = np.minimum(m, win + s)[None, :]
            left = np.maximum(base + S[rows_l, hi] - S[rows_l, s[None, :]], 0)
        fm = np.concatenate([left, inner, right], axis=1)
    pooled = fm.max(axis=1)
    if p["has_avg_pooling"]:
        pooled = np.stack([pooled, fm.mean(axis=1)], axis=2).reshape(len(starts), 2 * d)
    h = pooled @ p["W1"] + p["b1"]
    out = h[:, 0] if not p["num_hidden"] else np.maximum(h, 0) @ p["w2"] + p["b2"]
    return float(out.max())


def score(p, seq, mode="deepbind"):
    """DeepBind's score of one sequence: the better strand when the model is reverse-complement aware."""
    if mode not in ("deepbind", "flank"):
        raise ValueError(f"mode must be 'deepbind' or 'flank', got {mode!r}")
    x = encode(seq)
    s = _strand(p, x, mode)
    if p["reverse_complement"]:
        rc = (3 - x[::-1]).copy()
        rc[x[::-1] == 4] = 4
        s = max(s, _strand(p, rc, mode))
    return s
