"""Runs of an array, gathered at once with numpy."""
from __future__ import annotations

import numpy as np


def run_indexes(starts, sizes):
    """The indexes of the runs [start, start + size), one run after another
    (int64 arrays in, an int64 array out)."""
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(starts - offsets, sizes) + np.arange(total)
