#!/usr/bin/python3
"""Write a Nucleotide Transformer checkpoint directory with RANDOM weights in the layout InstaDeep
publishes on Hugging Face (config.json with model_type esm, model.safetensors, vocab.txt of 4,107
tokens, tokenizer_config.json naming EsmTokenizer), to test scripts/export_nt.py without downloading.

Usage: /usr/bin/python3 scripts/make_nt_checkpoint.py OUT_DIR [--version v1|v2] [--task masked-lm|classification] [--full]
v1: learned absolute positions, GELU feed-forward with biases (nucleotide-transformer-500m-human-ref).
v2: rotary positions, SwiGLU feed-forward without biases (nucleotide-transformer-v2-50m-multi-species).
The default is a reduced size (2 layers, hidden 64); --full is NT-v2-50M's (12 layers, hidden 512, 16 heads, 2048).
"""
import argparse
import json
import os

from dna_tokenizers import nt_vocab
from esm import EsmConfig, EsmForMaskedLM, EsmForSequenceClassification, esm_init
from safetensors_io import save_file


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--version", default="v2", choices=["v1", "v2"])
    ap.add_argument("--task", default="masked-lm", choices=["masked-lm", "classification"])
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    vocab = nt_vocab()
    size = dict(hidden_size=512, num_hidden_layers=12, num_attention_heads=16, intermediate_size=2048) if a.full \
        else dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
    v2 = a.version == "v2"
    config = {"model_type": "esm", "architectures": ["EsmForMaskedLM" if a.task == "masked-lm" else "EsmForSequenceClassification"],
              "vocab_size": len(vocab), "pad_token_id": 1, "mask_token_id": 2, "layer_norm_eps": 1e-12,
              "max_position_embeddings": 2050 if v2 else 1002, "position_embedding_type": "rotary" if v2 else "absolute",
              "add_bias_fnn": not v2, "emb_layer_norm_before": False, "token_dropout": False,
              "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0, "hidden_act": "gelu",
              "initializer_range": 0.02, "is_folding_model": False, "tie_word_embeddings": False, **size}
    if a.task == "classification":
        config.update({"id2label": {"0": "non_promoter", "1": "promoter"}, "label2id": {"non_promoter": 0, "promoter": 1}})
    cfg = EsmConfig(**config, glu=v2, num_labels=2)
    model = EsmForMaskedLM(cfg) if a.task == "masked-lm" else EsmForSequenceClassification(cfg)
    esm_init(model, seed=a.seed)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    with open(os.path.join(a.out, "vocab.txt"), "w") as fh:
        fh.write("\n".join(vocab) + "\n")
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as fh:
        json.dump({"tokenizer_class": "EsmTokenizer", "model_max_length": 1000, "pad_token": "<pad>", "mask_token": "<mask>",
                   "cls_token": "<cls>", "eos_token": "<eos>", "unk_token": "<unk>"}, fh, indent=2)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(a.out, "model.safetensors"), metadata={"format": "pt"})
    print(f"wrote {a.out}: NT {a.version} {config['architectures'][0]}")


if __name__ == "__main__":
    main()
