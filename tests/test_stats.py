"""The delete-1 jackknife (meanfield._stats)."""
import math

import numpy as np
import pytest

from meanfield._stats import jackknife_se


def test_jackknife_of_the_mean_is_the_standard_error():
    x = np.random.default_rng(5).normal(size=17)
    se = jackknife_se(lambda keep: x[keep].mean(), x.size)
    assert se == pytest.approx(x.std(ddof=1) / math.sqrt(x.size), rel=1e-13)


def test_jackknife_of_a_nonlinear_statistic_and_nonfinite_values():
    x = np.array([1.0, 2.0, 4.0])
    # leave-one-out products 8, 4, 2: mean 14/3, SE = sqrt(2/3 * sum (p - 14/3)^2)
    p = np.array([8.0, 4.0, 2.0])
    assert jackknife_se(lambda keep: np.prod(x[keep]), 3) == pytest.approx(
        math.sqrt(2.0 / 3.0 * np.sum((p - p.mean()) ** 2)), rel=1e-15)
    assert jackknife_se(lambda keep: math.inf if 0 in keep else 1.0, 3) == math.inf
    assert math.isnan(jackknife_se(lambda keep: math.nan, 2, nonfinite=math.nan))
    with pytest.raises(ValueError, match="n >= 2"):
        jackknife_se(lambda keep: 0.0, 1)
