r"""Numba kernels of the independent-input DMFT (:mod:`meanfield.dmft.independent`).

Phase-averaged two-point Gaussian integrals for the closed-form transfer functions (ReLU,
erf, linear):

.. math::

    Q_f(c, \psi) = \frac1{n_\theta}\sum_{k} \big\langle f(m + x_1 + A\sin\theta_k)\,
        f(m + x_2 + A\sin(\theta_k + \psi))\big\rangle_{x},\qquad
    \theta_k = 2\pi k / n_\theta,

:math:`(x_1, x_2)` Gaussian with variances v and covariance c, f in {φ, φ'}; each term is the
scalar closed form :func:`meanfield._gauss_kernels.q2` (the Numba kernel that the numpy
:func:`meanfield.gaussian.expect2` mirrors).
"""
import math

from numba import njit

from .. import _gauss_kernels as GK
from .._kernels import RELU


@njit(cache=True)
def phase_q(code, fkind, c, psi, v, m, A, sin_t, cos_t, out):
    """out[p] = Q_f(c[p], psi[p]) (mean over the theta grid given by sin_t, cos_t)."""
    nth = sin_t.shape[0]
    for p in range(c.shape[0]):
        cp = min(max(c[p], -v), v)
        sp = math.sin(psi[p])
        cq = math.cos(psi[p])
        acc = 0.0
        for k in range(nth):
            mu1 = m + A * sin_t[k]
            mu2 = m + A * (sin_t[k] * cq + cos_t[k] * sp)
            acc += GK.q2(code, fkind, mu1, mu2, v, v, cp)
        out[p] = acc / nth
    return out


@njit(cache=True)
def phase_q_pair(code, c, psi, v, m, A, sin_t, cos_t, out_phi, out_dphi):
    """Q_phi and Q_phi' at once (one bivariate normal CDF per term for ReLU)."""
    nth = sin_t.shape[0]
    for p in range(c.shape[0]):
        cp = min(max(c[p], -v), v)
        sp = math.sin(psi[p])
        cq = math.cos(psi[p])
        a0 = 0.0
        a1 = 0.0
        for k in range(nth):
            mu1 = m + A * sin_t[k]
            mu2 = m + A * (sin_t[k] * cq + cos_t[k] * sp)
            if code == RELU:
                q0, q1 = GK.relu_pair(mu1, mu2, v, v, cp)
            else:
                q0 = GK.q2(code, GK.F_PHI, mu1, mu2, v, v, cp)
                q1 = GK.q2(code, GK.F_DPHI, mu1, mu2, v, v, cp)
            a0 += q0
            a1 += q1
        out_phi[p] = a0 / nth
        out_dphi[p] = a1 / nth
    return out_phi, out_dphi


@njit(cache=True)
def phase_mean(code, fkind, v, m, A, sin_t):
    """<f(m + x + A sin theta)>_{x, theta}, x ~ N(0, v) (closed-form phi)."""
    acc = 0.0
    for k in range(sin_t.shape[0]):
        acc += GK.q1(code, fkind, m + A * sin_t[k], v)
    return acc / sin_t.shape[0]
