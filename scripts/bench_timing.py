"""Timing shared by the comparison scripts (pytorch-bench.py, scipy-bench.py)."""
import time


def best_seconds(body, repeats=5, warmups=2):
    """The shortest of `repeats` timed calls of `body`, in seconds, after `warmups` untimed calls."""
    for _ in range(warmups):
        body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return min(times)
