"""Analysers: one file each, functions over Arrow record batches. See ``base.py``."""
