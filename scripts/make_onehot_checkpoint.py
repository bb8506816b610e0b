#!/usr/bin/python3
"""Write a DanQ checkpoint with RANDOM weights in the Selene SDK's layout (best_model.pth.tar:
{"state_dict": ..., "epoch": 0}) to test scripts/export_onehot.py without downloading anything.

Usage: /usr/bin/python3 scripts/make_onehot_checkpoint.py OUT.pth.tar [--full] [--sequence-length 1000] [--targets 3]
       /usr/bin/python3 scripts/make_onehot_checkpoint.py OUT.pth.tar --arch profile [--sequence-length 2048] [--targets 3]
The default is a reduced configuration (16 filters, LSTM 8, dense 12) that keeps tests fast; --full is
DanQ's published one (320 filters of 26 bp, pool 13, BiLSTM 320, dense 925, 919 targets).
--arch profile: a small ProfileCNN (16 channels, 32-bp bins, 3 dilated blocks; scripts/onehot_models.py).
--arch scan: a small ScanCNN (8 filters of 11 bp, max-pool 3, 6 filters of 5 bp dilated 2; max and mean
over the window and over its central 100 bp; a hidden layer of 5: receptive field 21 bp), for
export_onehot.py --arch scan.
"""
import argparse
import math

import torch

from onehot_models import DanQ, ProfileCNN, ScanCNN, random_init


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--arch", default="danq", choices=["danq", "profile", "scan"])
    ap.add_argument("--sequence-length", type=int, default=1000)
    ap.add_argument("--targets", type=int)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.arch == "scan":
        s = {"convs": [[4, 8, 11, 1], [8, 6, 5, 2]], "pool_between": 3,
             "pooling": [{"op": "max"}, {"op": "mean"}, {"op": "max", "center": 100}, {"op": "mean", "center": 100}], "hidden": 5, "labels": 2, "dropout": 0.0}
        model = ScanCNN(s)
        random_init(model, a.seed)
        torch.save({"state_dict": model.state_dict(), "sizes": s, "epoch": 0}, a.out)
        return
    if a.arch == "profile":
        L = a.sequence_length if a.sequence_length != 1000 else 2048
        s = {"channels": 16, "stem_kernel": 15, "bin_size": 32, "towers": 5, "dilations": [2, 4, 8],
             "tracks": a.targets or 3, "sequence_length": L, "bins": L // 32 // 2, "offset": L // 4}
        model = ProfileCNN(s)
        random_init(model, a.seed)
        torch.save({"state_dict": model.state_dict(), "epoch": 0}, a.out)
        return
    c = dict(channels=320, kernel=26, pool=13, hidden=320, dense=925, targets=919) if a.full else \
        dict(channels=16, kernel=26, pool=13, hidden=8, dense=12, targets=3)
    if a.targets:
        c["targets"] = a.targets
    c["positions"] = math.floor((a.sequence_length - c["kernel"] + 1) / c["pool"])
    c["sequence_length"] = a.sequence_length
    model = DanQ(c)
    random_init(model, a.seed)
    torch.save({"state_dict": model.state_dict(), "epoch": 0}, a.out)


if __name__ == "__main__":
    main()
