"""Describing a dataset folder: the text summary and the data card."""
