"""Baselines and checks of the models: the JASPAR PWM, mutagenesis vs JASPAR, k-mer spectra."""
