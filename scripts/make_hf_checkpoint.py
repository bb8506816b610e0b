#!/usr/bin/python3
"""Write a Hugging Face BERT checkpoint directory with RANDOM weights, in exactly the layout
PoetschLab/GROVER is published in (config.json, model.safetensors or pytorch_model.bin,
tokenizer.json), to test scripts/export_hf.py without downloading anything.

Usage: /usr/bin/python3 scripts/make_hf_checkpoint.py OUT_DIR [--full] [--task masked-lm|classification]
                                                      [--format safetensors|bin] [--tokenizer tokenizer.json]
--full uses GROVER's configuration (12 layers, hidden 768, 12 heads, intermediate 3072, 512 positions);
the default is a reduced one (2 layers, hidden 64) that keeps tests fast.
"""
import argparse
import json
import os
import shutil

import torch

from bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, init_weights
from safetensors_io import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TOKENIZER = os.path.join(HERE, "..", "test", "fixtures", "tokenizers", "grover600.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--task", default="masked-lm", choices=["masked-lm", "classification"])
    ap.add_argument("--format", default="safetensors", choices=["safetensors", "bin"])
    ap.add_argument("--tokenizer", default=DEFAULT_TOKENIZER)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dnabert2", action="store_true",
                    help="DNABERT-2's layout instead (zhihan1996/DNABERT-2-117M: MosaicBERT layers with ALiBi, fused Wqkv, "
                         "GLU feed-forward, decoder bias; 4,096-token BPE with [UNK] [CLS] [SEP] [PAD] [MASK] first)")
    args = ap.parse_args()
    if args.dnabert2 and args.tokenizer == DEFAULT_TOKENIZER:
        args.tokenizer = os.path.join(HERE, "..", "test", "fixtures", "tokenizers", "dnabert2-layout.json")
    torch.manual_seed(args.seed)
    vocab_size = len(json.load(open(args.tokenizer))["model"]["vocab"])
    size = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072) if args.full \
        else dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128)
    cfg = BertConfig(vocab_size=vocab_size, max_position_embeddings=512, alibi=args.dnabert2,
                     pad_token_id=3 if args.dnabert2 else 0, **size)
    if args.task == "classification":
        model = BertForSequenceClassification(cfg)
        arch = "BertForSequenceClassification"
    else:
        model = BertForMaskedLM(cfg)
        arch = "BertForMaskedLM"
    init_weights(model, std=0.02)  # config.json initializer_range, as transformers initialises BERT
    os.makedirs(args.out, exist_ok=True)
    config = {"architectures": [arch], "model_type": "bert", "attention_probs_dropout_prob": 0.1,
              "classifier_dropout": None, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
              "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
              "position_embedding_type": "absolute", "torch_dtype": "float32", "transformers_version": "4.36.2",
              "type_vocab_size": 2, "use_cache": True, "vocab_size": vocab_size, "max_position_embeddings": 512, **size}
    if args.dnabert2:
        # as DNABERT-2-117M's config.json: its own modelling code (bert_layers.py) and ALiBi
        config.update({"alibi_starting_size": 512, "attention_probs_dropout_prob": 0.0, "pad_token_id": 3,
                       "auto_map": {"AutoConfig": "configuration_bert.BertConfig", "AutoModel": "bert_layers.BertModel",
                                    "AutoModelForMaskedLM": "bert_layers.BertForMaskedLM",
                                    "AutoModelForSequenceClassification": "bert_layers.BertForSequenceClassification"}})
    if args.task == "classification":
        config.update({"id2label": {"0": "unbound", "1": "bound"}, "label2id": {"unbound": 0, "bound": 1},
                       "problem_type": "single_label_classification"})
    with open(os.path.join(args.out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=2)
    sd = {k: v for k, v in model.state_dict().items()}
    if args.task == "masked-lm":
        # As transformers saves BertForMaskedLM: the decoder weight is tied (saved once as the word
        # embeddings in safetensors), and the decoder bias is stored too, tied to cls.predictions.bias.
        sd["cls.predictions.decoder.bias"] = sd["cls.predictions.bias"].clone()
        if args.dnabert2:  # MosaicBERT's decoder is an nn.Linear with its own bias; no cls.predictions.bias
            sd.pop("cls.predictions.bias")
        if args.format == "safetensors":
            sd.pop("cls.predictions.decoder.weight", None)
    if args.format == "safetensors":
        save_file(sd, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(sd, os.path.join(args.out, "pytorch_model.bin"))
    shutil.copy(args.tokenizer, os.path.join(args.out, "tokenizer.json"))
    print(f"wrote {args.out}: {arch}, {sum(v.numel() for v in sd.values())} parameters, {args.format}")


if __name__ == "__main__":
    main()
