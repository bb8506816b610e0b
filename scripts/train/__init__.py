"""Training of the shipped models (grover-mini, ctcf-lm, ctcf, prom300) and the BPE vocabulary."""
