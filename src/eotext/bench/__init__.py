"""Scoring models on eotext datasets with the community's metrics.

Captions are scored exactly as pycocoevalcap 1.2 scores them (:mod:`eotext.bench.captions`);
VQA answers, referring-expression boxes, retrieval and zero-shot classification have their own
modules. File formats are read and checked in :mod:`eotext.bench.formats`; tables across models
are made in :mod:`eotext.bench.report`.
"""
