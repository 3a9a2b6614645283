"""Benchmarks: peer search libraries scored with search/evaluation.py."""
