"""Synthetic SOPs and scenarios of any size, for stress tests and benchmarks alike."""
