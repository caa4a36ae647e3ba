"""Class breaks for indicator maps: one place, shared by the web map and the static exports."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Sequence

METHODS = ("quantiles", "natural_breaks", "equal_interval")
DEFAULT_METHOD = "quantiles"
DEFAULT_K = 5
MAX_K = 7  # the sequential ramp in palette.SEQUENTIAL has seven steps
# Fewer distinct values than UNIQUE_FACTOR × k: one class (one colour) per value. Breaks
# over 69, 70 and 71 would otherwise turn a difference of one into two colour steps.
UNIQUE_FACTOR = 2


class ClassificationError(ValueError):
    """An unknown method or an unusable number of classes."""


@dataclass(frozen=True)
class Classes:
    """The result of classify(): upper bounds per class and the class of every value."""

    breaks: tuple[float, ...]  # upper bound of each class, ascending; len == k actually used
    bins: tuple[int, ...]  # class index (0-based) of each input value, in input order
    minimum: float  # lowest value, the lower bound of the first class
    method: str
    lowers: tuple[float | None, ...] = ()  # lowest value in each class (None: empty class)
    uppers: tuple[float | None, ...] = ()  # highest value in each class (None: empty class)

    @property
    def k(self) -> int:
        return len(self.breaks)

    def __iter__(self):
        # `breaks, bins = classify(...)` reads naturally at call sites.
        yield self.breaks
        yield self.bins

    def intervals(self) -> list[tuple[float, float]]:
        """(lower, upper) of each class: the lowest and highest of the values it holds,
        so two classes never share a boundary value (43 – 69 / 70 – 71, not 43 – 69 / 69 – 71).
        An empty class keeps the previous upper bound as its lower one."""
        lowers = self.lowers or (self.minimum, *self.breaks[:-1])
        uppers = self.uppers or self.breaks
        result = []
        for index, upper in enumerate(self.breaks):
            lower = lowers[index]
            if lower is None:  # empty: the range it stands for
                lower = self.breaks[index - 1] if index else self.minimum
            else:
                upper = uppers[index]
            result.append((lower, upper))
        return result

    def shared_lower(self, index: int) -> bool:
        """True for an empty class whose label starts at the previous class's upper bound."""
        return bool(self.lowers) and self.lowers[index] is None and index > 0

    def counts(self) -> list[int]:
        return [self.bins.count(i) for i in range(self.k)]


def class_of(value: float, breaks: Sequence[float]) -> int:
    """The class index of a value: the first class whose upper bound is >= value."""
    for index, upper in enumerate(breaks):
        if value <= upper:
            return index
    return len(breaks) - 1


def classify(values: Sequence[float], method: str = DEFAULT_METHOD, k: int = DEFAULT_K) -> Classes:
    """Class breaks and class indices for the values (None/NaN not allowed: drop them first).

    Methods: "quantiles" (equal counts), "natural_breaks" (Fisher-Jenks, the exact optimum:
    deterministic, unlike the k-means based NaturalBreaks), "equal_interval". When the
    values have fewer distinct numbers than k, k shrinks to that number so that no class
    is empty; a single distinct value gives one class.
    """
    if method not in METHODS:
        raise ClassificationError(f"unknown classification method {method!r}; use one of {', '.join(METHODS)}")
    if not 1 <= k <= MAX_K:
        raise ClassificationError(f"number of classes must be 1–{MAX_K}, got {k}")
    clean = [float(v) for v in values]
    if not clean:
        raise ClassificationError("no values to classify")
    if any(math.isnan(v) for v in clean):
        raise ClassificationError("values contain NaN; drop units without data before classifying")
    distinct = sorted(set(clean))
    if len(distinct) < UNIQUE_FACTOR * k and len(distinct) <= MAX_K:
        k = len(distinct)
    k = min(k, len(distinct))
    if k == 1:
        return Classes((distinct[-1],), tuple(0 for _ in clean), distinct[0], method, (distinct[0],), (distinct[-1],))
    if len(distinct) == k:
        # Each distinct value is its own class; every algorithm agrees on this.
        breaks = tuple(distinct)
    else:
        import numpy as np

        y = np.asarray(clean)
        if method == "quantiles":
            bins = quantile_bins(y, k)
        elif method == "equal_interval":
            bins = equal_interval_bins(y, k)
        else:
            import mapclassify

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Numba not installed", "not enough unique values"
                bins = mapclassify.FisherJenks(y, k=k).bins
        breaks = tuple(dict.fromkeys(float(b) for b in bins))
    bins = tuple(class_of(v, breaks) for v in clean)
    lowers = tuple(min((v for v, b in zip(clean, bins) if b == i), default=None) for i in range(len(breaks)))
    uppers = tuple(max((v for v, b in zip(clean, bins) if b == i), default=None) for i in range(len(breaks)))
    return Classes(breaks, bins, distinct[0], method, lowers, uppers)


# Quantiles and equal intervals are computed here exactly as mapclassify 2.x computes them
# (tests compare the two on random data): importing mapclassify pulls in scipy.stats and
# scikit-learn, 1.5–6 s of CPU that the first classed map of a server process waited for
# (an indicator switch, a first export). Fisher-Jenks still comes from mapclassify.


def quantile_bins(y, k: int):
    """mapclassify.Quantiles(y, k).bins: scipy's scoreatpercentile ('fraction') at 100/k steps, unique."""
    import numpy as np

    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    ordered = np.sort(np.asarray(y, dtype=float))
    scores = []
    for percent in percents:
        index = percent / 100.0 * (len(ordered) - 1)
        low = int(index)
        if low == index:
            scores.append(ordered[low])
        else:
            weights = np.array([(low + 1 - index), (index - low)], float)
            scores.append(np.add.reduce(ordered[low:low + 2] * weights) / weights.sum())
    return np.unique(np.array(scores))


def equal_interval_bins(y, k: int):
    """mapclassify.EqualInterval(y, k).bins: k equal steps from the minimum, the last one the maximum."""
    import numpy as np

    values = np.asarray(y, dtype=float)
    low, high = min(values), max(values)  # Python's min/max over the array, as mapclassify takes them
    width = (high - low) * 1.0 / k
    cuts = np.arange(low + width, high + width, width)
    if len(cuts) > k:
        cuts = cuts[0:k]
    cuts[-1] = high
    return cuts.copy()


def format_number(value: float) -> str:
    """A compact label for a break: up to three significant decimals, no trailing zeros."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def interval_labels(classes: Classes, unit: str = "") -> list[str]:
    """Legend text of each class, e.g. "12.5 – 30 %"; a one-value class shows that value."""
    suffix = f" {unit}" if unit else ""
    labels = []
    for index, (lower, upper) in enumerate(classes.intervals()):
        if lower == upper:
            labels.append(f"{format_number(upper)}{suffix}")
        elif classes.shared_lower(index):  # an empty class: above the previous bound
            labels.append(f"> {format_number(lower)} – {format_number(upper)}{suffix}")
        else:
            labels.append(f"{format_number(lower)} – {format_number(upper)}{suffix}")
    return labels
