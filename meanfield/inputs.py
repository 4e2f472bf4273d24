r"""Time-varying external inputs :math:`\delta I_i(t)`.

Both input kinds split into a *common* part (the same signal for every
neuron) and an *independent* part (an independent realisation per neuron),
mixed with a correlation coefficient ``c`` in [0, 1]:

.. math::

    \delta I_i(t) = A\left[\sqrt{c}\,s_0(t) + \sqrt{1-c}\,s_i(t)\right]

For OU processes every neuron's input then has variance :math:`A^2` and two
distinct neurons' inputs have correlation coefficient ``c``.  For sinusoids the
two parts share the frequency, so one unit's temporal variance is
:math:`\tfrac{A^2}{2}[1 + 2\sqrt{c(1-c)}\cos\theta_i]`; averaged over the
population (over :math:`\theta_i`) the variance is :math:`A^2/2` and the
pairwise covariance :math:`cA^2/2`.  ``correlation="common"`` is
``c = 1``, ``"independent"`` is ``c = 0``.

* :class:`SineInput`: :math:`s_0 = \sin(2\pi f t)`,
  :math:`s_i = \sin(2\pi f t + \theta_i)`, :math:`\theta_i` iid uniform on
  :math:`[0, 2\pi)`  [RAS, EIKGA].  Amplitude A is the sine's amplitude.
* :class:`OUInput`: :math:`s_0, s_i` independent unit-variance
  Ornstein--Uhlenbeck processes with correlation time ``tau``,
  :math:`\langle s(t)s(t')\rangle = e^{-|t-t'|/\tau}`, sampled exactly on the
  integration grid.  Amplitude A is the standard deviation ``std``.

Time is in units of the neuronal time constant.
"""
import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from ._validation import check_real


def _correlation(value):
    if isinstance(value, str):
        if value == "common":
            return 1.0
        if value == "independent":
            return 0.0
        raise ValueError(f"correlation must be 'common', 'independent' or a number in [0, 1], got {value!r}")
    return check_real("correlation", value, 0.0, 1.0)


class Input:
    """Base class: the arrays a kernel needs for one realisation."""

    kind = K.INPUT_NONE

    @property
    def c(self):
        return _correlation(self.correlation)

    def kernel_arrays(self, n, rng):
        """(pars, cs) for ``n`` neurons; ``rng`` draws the quenched phases."""
        raise NotImplementedError

    def to_dict(self):
        d = {"type": type(self).__name__}
        d.update(self.__dict__)
        return d


@dataclass
class SineInput(Input):
    r"""Sinusoidal input :math:`A[\sqrt{c}\sin(2\pi f t) + \sqrt{1-c}\sin(2\pi f t+\theta_i)]`.

    Parameters
    ----------
    amplitude : float
        A >= 0 (units of the input current h).
    frequency : float
        f > 0, in cycles per neuronal time constant.
    correlation : {"common", "independent"} or float in [0, 1]
        Fraction c of the input variance shared by all neurons.
    phase : float
        Phase of the common sinusoid (radians).
    """

    amplitude: float
    frequency: float
    correlation: object = "common"
    phase: float = 0.0
    kind = K.INPUT_SINE

    def __post_init__(self):
        self.amplitude = check_real("amplitude", self.amplitude, 0.0)
        self.frequency = check_real("frequency", self.frequency, 0.0, low_open=True)
        self.phase = check_real("phase", self.phase)
        _correlation(self.correlation)

    def kernel_arrays(self, n, rng):
        c = self.c
        theta = rng.uniform(0.0, 2.0 * np.pi, size=n)
        cs = np.ascontiguousarray(np.stack([np.cos(theta), np.sin(theta)]))
        pars = np.array([K.INPUT_SINE, self.amplitude * math.sqrt(c),
                         self.amplitude * math.sqrt(1.0 - c), 2.0 * np.pi * self.frequency,
                         self.phase])
        return pars, cs


@dataclass
class OUInput(Input):
    r"""Ornstein--Uhlenbeck input :math:`\sigma[\sqrt{c}\,\xi_0(t) + \sqrt{1-c}\,\xi_i(t)]`.

    Parameters
    ----------
    std : float
        Stationary standard deviation sigma >= 0.
    tau : float
        Correlation time tau > 0 (units of the neuronal time constant).
    correlation : {"common", "independent"} or float in [0, 1]
        Fraction c of the input variance shared by all neurons.

    Notes
    -----
    Sampled exactly: xi(t+s) = e^{-s/tau} xi(t) + sqrt(1 - e^{-2s/tau}) z on
    every (sub-)step s of the integrator, started from the stationary law.
    """

    std: float
    tau: float
    correlation: object = "independent"
    kind = K.INPUT_OU

    def __post_init__(self):
        self.std = check_real("std", self.std, 0.0)
        self.tau = check_real("tau", self.tau, 0.0, low_open=True)
        _correlation(self.correlation)

    def kernel_arrays(self, n, rng):
        c = self.c
        pars = np.array([K.INPUT_OU, self.std * math.sqrt(c), self.std * math.sqrt(1.0 - c), 0.0, 0.0])
        return pars, np.zeros((2, n))

    def ou_coefficients(self, sub_dt):
        decay = math.exp(-sub_dt / self.tau)
        return decay, math.sqrt(max(0.0, 1.0 - decay * decay))


def check_input(value):
    if value is None or isinstance(value, Input):
        return value
    raise TypeError(f"input must be None, SineInput or OUInput, got {type(value).__name__}")
