r"""Small statistics shared by the question layer and the validation suite.

:func:`jackknife_se` -- the leave-one-out (delete-1) jackknife standard error of a statistic
computed from n samples:

.. math::

    \hat\theta_{(i)} = \theta(\text{samples without } i),\qquad
    \bar\theta = \frac1n\sum_i \hat\theta_{(i)},\qquad
    \mathrm{SE}_{\mathrm{jack}} = \sqrt{\frac{n-1}{n}\sum_{i=1}^n
    \big(\hat\theta_{(i)} - \bar\theta\big)^2}.
"""
import math

import numpy as np


def jackknife_se(stat, n, nonfinite=math.inf):
    r"""Delete-1 jackknife standard error of a statistic of n samples.

    Parameters
    ----------
    stat : callable
        ``stat(keep)`` returns the statistic from the samples with indices ``keep`` (an integer
        array of the n - 1 samples kept).
    n : int
        Number of samples, >= 2.
    nonfinite : float
        Returned when a leave-one-out value is not finite (the jackknife is then undefined).

    Returns
    -------
    float
        :math:`\sqrt{(n-1)/n \sum_i (\hat\theta_{(i)} - \bar\theta)^2}` (module docstring).
    """
    if n < 2:
        raise ValueError(f"the jackknife needs n >= 2 samples, got {n}")
    idx = np.arange(n)
    xs = np.array([stat(np.delete(idx, i)) for i in range(n)], dtype=np.float64)
    if not np.all(np.isfinite(xs)):
        return nonfinite
    return math.sqrt((n - 1) / n * np.sum((xs - xs.mean()) ** 2))
