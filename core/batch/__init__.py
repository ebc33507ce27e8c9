"""Running one step over many files on Dask: planning, resumable state, tile buffers."""
