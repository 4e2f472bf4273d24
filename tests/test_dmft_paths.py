"""Stationary DMFT through the erf closed forms and the user-phi quadrature path."""
import math

import numba
import pytest

from meanfield import dmft


@numba.njit(cache=True)
def _tanh(x):
    return math.tanh(x)


@numba.njit(cache=True)
def _sech2(x):
    c = math.cosh(x)
    return 1.0 / (c * c)


def test_erf_near_onset_follows_the_cubic_coefficient():
    # odd phi with phi'(0) = 1: the energy condition to O(D^3) gives D0 = (g^2 - 1) / (g^2 |phi'''(0)|);
    # tanh: phi''' = -2; erf(sqrt(pi) x / 2): phi''' = -pi/2.  The relative error is O(g - 1).
    for eps in (0.02, 0.01):
        g = 1.0 + eps
        s = dmft.solve_scs(g, phi="erf")
        ref = (g * g - 1.0) / (g * g * math.pi / 2.0)
        assert s.chaotic
        assert abs(s.variance / ref - 1.0) < 3.0 * eps
        assert 0.0 < s.lambda_max < 5 * eps ** 2


def test_erf_saturates_less_than_tanh():
    # erf(sqrt(pi)x/2) >= tanh(x) in |.| for x > 0 at large x -> larger variance and exponent at equal g
    e, t = dmft.solve_scs(2.0, phi="erf"), dmft.solve_scs(2.0)
    assert e.variance > t.variance and e.lambda_max > t.lambda_max
    assert e.diagnostics["orbit_variance_mismatch"] < 1e-8


def test_user_pair_reproduces_builtin_tanh():
    # user path: quadrature q_phi and Price-integrated <Phi Phi>; built-in: Mehler series
    u = dmft.solve_scs(2.0, phi=(_tanh, _sech2))
    b = dmft.solve_scs(2.0)
    assert u.variance == pytest.approx(b.variance, rel=1e-11)
    assert u.lambda_max == pytest.approx(b.lambda_max, rel=1e-9)
    assert u.parameters["phi"].startswith("user:")
