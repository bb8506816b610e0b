"""The networks, as plain PyTorch modules in the parameter layouts their authors publish (BERT/GROVER/DNABERT-2, ESM/NT, HyenaDNA, one-hot CNNs, DeepBind)."""
