"""A small reader/writer for the safetensors format (Debian has no `safetensors` package).

Layout: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
then the raw little-endian tensor bytes (offsets relative to the end of the header).
"""
import json
import struct

import numpy as np
import torch

_DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "F64": (np.float64, torch.float64),
           "I64": (np.int64, torch.int64), "I32": (np.int32, torch.int32), "I8": (np.int8, torch.int8),
           "U8": (np.uint8, torch.uint8), "BOOL": (np.bool_, torch.bool)}
_NAMES = {t: k for k, (_, t) in _DTYPES.items()}


def load_file(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short to be a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} exceeds the file; truncated or not safetensors")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] == "BF16":
            a, b = info["data_offsets"]
            raw = np.frombuffer(data[base + a:base + b], dtype=np.uint16).astype(np.uint32) << 16
            out[name] = torch.from_numpy(raw.view(np.float32).reshape(info["shape"]).copy())
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        np_t, _ = _DTYPES[info["dtype"]]
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[base + a:base + b], dtype=np_t).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def save_file(tensors, path, metadata=None):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    hjson = json.dumps(header, separators=(",", ":")).encode()
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hjson)))
        fh.write(hjson)
        for raw in blobs:
            fh.write(raw)
