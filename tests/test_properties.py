"""Property-based tests (hypothesis) of exact identities of the QR engine on random small networks.

* Sum rule: the QR method accumulates ln|det| of the product of step Jacobians exactly, so
  :math:`T\\sum_i\\lambda_i = \\sum_s \\ln|\\det D(h_s)|` with D the Jacobian of the step actually taken
  (Euler: :math:`(1-\\Delta t)\\mathbb 1 + \\Delta t J\\,\\mathrm{diag}\\,\\phi'(h)`; map:
  :math:`(1-a)\\mathbb 1 + aJ\\,\\mathrm{diag}\\,\\phi'(h)`), to round-off.
* Mean exponent -1: without self-coupling tr A = -N for :math:`A = -\\mathbb 1 + J\\,\\mathrm{diag}\\,\\phi'`,
  so the flow's exponents average to -1; RK4's tangent step has ln det = dt tr A + O(dt^5) per step.
* Linear networks: the exponents of h <- M h are ln|eigenvalues of M| (M = J for the map, the RK4
  polynomial R(dt(J - 1)) for the flow); their sum is ln|det M| at every T (exactly), and each one
  is approached like b(T)/T with |b| bounded by about ln cond(V) (V the eigenvectors) plus the
  initial basis' alignment, O(1).
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import meanfield as mf

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _dphi(net, h):
    return net.nonlinearity.derivative(h)


@SETTINGS
@given(N=st.integers(2, 7), g=st.floats(0.3, 3.0), seed=st.integers(0, 2 ** 31),
       phi=st.sampled_from(["tanh", "erf"]), kind=st.sampled_from(["euler", "map", "leaky-map"]))
def test_sum_of_exponents_is_the_mean_log_det_of_the_step_jacobian(N, g, seed, phi, kind):
    if kind == "euler":
        net, dt, a = mf.RandomNetwork(N, g, phi=phi, seed=seed), 0.1, 0.1
        T, kw = 5.0, dict(dt=0.1, integrator="euler")
    else:
        a = 1.0 if kind == "map" else 0.4
        net, dt = mf.RandomNetwork(N, g, phi=phi, time="discrete", leak=a, seed=seed), 1.0
        T, kw = 30.0, {}
    x0 = np.random.default_rng(seed).standard_normal(N)
    r = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=0, n_blocks=2, x0=x0, seed=1,
                             progress=False, **kw)
    s = mf.simulate(net, T, record="all", x0=x0, seed=1, progress=False, **kw)
    n = int(round(T / dt))
    logdet = 0.0
    for h in s.h.T[:n]:
        D = (1 - a) * np.eye(N) + a * net.J * _dphi(net, h)[None, :]
        logdet += np.linalg.slogdet(D)[1]
    assert r.exponents.sum() * T == pytest.approx(logdet, rel=1e-9, abs=1e-9 * n)


@SETTINGS
@given(N=st.integers(2, 7), g=st.floats(0.3, 3.0), seed=st.integers(0, 2 ** 31),
       phi=st.sampled_from(["tanh", "erf"]))
def test_mean_exponent_is_minus_one_without_self_coupling(N, g, seed, phi):
    net = mf.RandomNetwork(N, g, phi=phi, seed=seed)
    dt, T = 0.05, 20.0
    r = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=0, n_blocks=2, dt=dt, seed=seed,
                             progress=False)
    # per step |ln det Phi - dt tr A| <= N (dt |A|)^5 / 120 with |A| <= 1 + g max|phi'| = 1 + g
    bound = N * (dt * (1 + g)) ** 5 / 120 / dt / N
    assert r.exponents.mean() == pytest.approx(-1.0, abs=bound + 1e-12)


def _rk4_poly(Z):
    n = Z.shape[0]
    eye = np.eye(n)
    return eye + Z @ (eye + Z @ (eye / 2 + Z @ (eye / 6 + Z / 24)))


@SETTINGS
@given(N=st.integers(2, 6), g=st.floats(0.3, 0.95), seed=st.integers(0, 2 ** 31),
       time=st.sampled_from(["continuous", "discrete"]))
def test_linear_network_exponents_are_log_moduli_of_the_step_eigenvalues(N, g, seed, time):
    net = mf.RandomNetwork(N, g, phi="linear", time=time, seed=seed)
    if time == "discrete":
        M, dt, kw = net.J, 1.0, {}
    else:
        dt = 0.1
        M, kw = _rk4_poly(dt * (net.J - np.eye(N))), dict(dt=dt)
    T = 3000.0
    w, V = np.linalg.eig(M)
    exact = np.sort(np.log(np.abs(w)))[::-1] / dt
    r = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=0, n_blocks=2, seed=seed,
                             progress=False, **kw)
    assert r.exponents.sum() == pytest.approx(np.linalg.slogdet(M)[1] / dt, rel=1e-10, abs=1e-12)
    tol = 10.0 * (math.log(np.linalg.cond(V)) + 1.0) / T
    np.testing.assert_allclose(np.sort(r.exponents)[::-1], exact, rtol=0, atol=tol)
