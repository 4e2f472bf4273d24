"""Shared timing helpers of the benchmark scripts (imported from the scripts' own folder)."""
import time

import numpy as np


def cpu_busy():
    """(busy, total) jiffies of the whole machine from /proc/stat (idle and iowait excluded from busy)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def timed(fn, repeats):
    """Times of ``repeats`` calls after one warm-up call (ms), the last result, and the fraction of
    the machine that was busy meanwhile (this process included)."""
    fn()                                           # warm-up: compilation, caches
    ts = []
    b0, t0 = cpu_busy()
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    b1, t1 = cpu_busy()
    return np.array(ts) * 1e3, out, (b1 - b0) / max(t1 - t0, 1)
