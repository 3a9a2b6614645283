"""Benchmarks: corpus generation and speed comparisons against peer search libraries."""
