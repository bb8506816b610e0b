#!/usr/bin/python3
"""Write a HyenaDNA checkpoint directory with RANDOM weights in the layout of its Hugging Face port
(LongSafari/hyenadna-*-seqlen-hf: config.json with HyenaConfig keys, model.safetensors with
hyena.backbone.* names), to test scripts/export_hyena.py without downloading anything.

Usage: /usr/bin/python3 scripts/make_hyena_checkpoint.py OUT_DIR [--task embedding|classification] [--max-seq-len 1026]
The size is hyenadna-tiny-1k's (d_model 128, 2 layers, d_inner 512, filter_order 64), which is small.
"""
import argparse
import json
import os

from hyena import HyenaConfig, HyenaDNAForCausalLM, HyenaDNAForSequenceClassification, hyena_init
from safetensors_io import save_file


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--task", default="embedding", choices=["embedding", "classification"])
    ap.add_argument("--max-seq-len", type=int, default=1026)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    config = {"model_type": "hyenadna", "architectures": ["HyenaDNAForCausalLM" if a.task == "embedding" else "HyenaDNAForSequenceClassification"],
              "vocab_size": 12, "d_model": 128, "n_layer": 2, "d_inner": 512, "max_seq_len": a.max_seq_len, "emb_dim": 5,
              "filter_order": 64, "num_inner_mlps": 2, "hyena_order": 2, "short_filter_order": 3, "activation_freq": 10,
              "train_freq": True, "pad_vocab_size_multiple": 8, "layer_norm_epsilon": 1e-5, "pad_token_id": 4,
              "use_bias": True, "hyena_dropout": 0.0, "hyena_filter_dropout": 0.0, "embed_dropout": 0.1, "resid_dropout": 0.0,
              "tie_word_embeddings": False}
    if a.task == "classification":
        config.update({"num_labels": 2, "id2label": {"0": "non_promoter", "1": "promoter"}})
    cfg = HyenaConfig(**config)
    model = HyenaDNAForCausalLM(cfg) if a.task == "embedding" else HyenaDNAForSequenceClassification(cfg)
    hyena_init(model, seed=a.seed)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(a.out, "model.safetensors"), metadata={"format": "pt"})
    print(f"wrote {a.out}: HyenaDNA {config['architectures'][0]}, max_seq_len {a.max_seq_len}")


if __name__ == "__main__":
    main()
