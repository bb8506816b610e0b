"""Exporters: a published checkpoint (or parameter file) in, a grover bundle (ONNX, grover.json) out."""
