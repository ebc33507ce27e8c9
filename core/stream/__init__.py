"""Streaming steps for files too big to hold: chunked LAS/LAZ, voxel mean, carry-back."""
