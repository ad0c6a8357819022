"""Small helpers shared by the benchmarks: percentiles and aligned printing."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], fraction: float) -> float:
    """The ``fraction`` percentile (0..1) of ``samples`` by nearest rank."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples: list[float]) -> str:
    """``p50 / p99 / mean`` of samples in seconds, printed in milliseconds."""
    return (
        f"p50 {percentile(samples, 0.50) * 1000:8.3f} ms   "
        f"p99 {percentile(samples, 0.99) * 1000:8.3f} ms   "
        f"mean {statistics.fmean(samples) * 1000:8.3f} ms"
    )
