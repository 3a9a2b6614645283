"""Benchmarks: answer quality against peers (peers.py), speed at scale (scale.py), re-ranker tuning."""
