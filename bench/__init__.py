"""Benchmarks: the notebook's way and ours in one process, with ratio and peak memory."""
