"""Class breaks: quantiles and equal intervals computed without importing mapclassify must
give mapclassify's own bins, bit for bit, on data the code has never seen."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from xiancheng import classes


def samples():
    rng = random.Random(20261201)
    yield [8.1, 11.0, 68.5, 41.5, 47.0, 39.0, 90.0, 12.5, 3.2, 1.0, 30.0]
    yield [float(n) for n in range(117)]
    yield [1.0] * 50 + [2.0] * 30 + [3.5] * 20 + [100.0]  # many ties
    yield [-5.5, -1.25, 0.0, 0.0, 2.75, 1e6, 3.3e-4, 17.0, 17.0, 9.9]
    for size in (12, 30, 117, 500):
        yield [round(rng.lognormvariate(2, 1.2), rng.choice((0, 1, 2, 4))) for _ in range(size)]
        yield [rng.uniform(-1000, 1000) for _ in range(size)]


@pytest.mark.parametrize("k", range(2, classes.MAX_K + 1))
def test_quantiles_and_equal_intervals_equal_mapclassify(k):
    import mapclassify

    for values in samples():
        y = np.asarray(values)
        assert np.array_equal(classes.quantile_bins(y, k), mapclassify.Quantiles(y, k=k).bins), (k, values[:5])
        assert np.array_equal(classes.equal_interval_bins(y, k), mapclassify.EqualInterval(y, k=k).bins), (k, values[:5])


def test_quantiles_and_equal_intervals_do_not_import_mapclassify():
    code = ("import sys; from xiancheng import classes; "
            "classes.classify([float(n) for n in range(117)], 'quantiles', 5); "
            "classes.classify([float(n) ** 2 for n in range(117)], 'equal_interval', 6); "
            "print(sorted(m for m in ('mapclassify', 'scipy', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
