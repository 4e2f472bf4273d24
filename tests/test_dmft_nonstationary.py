"""Non-stationary two-time DMFT (meanfield.dmft.nonstationary).

Tolerances are about twice the errors measured when the tests were written (numbers in the
comments); the grids are coarser than the reference grid (Δ = 2⁻⁴, 2¹³ steps, band 2⁹) to keep
the fast tests short, with the band kept at 32 τ where λ is compared.
"""
import math

import numpy as np
import pytest

from meanfield import dmft
from meanfield import _gauss_kernels as GK
from meanfield.dmft import (NonstationarySolution, lyapunov_max, quasi_static_lambda, solve_balanced,
                            solve_nonstationary)
from meanfield.errors import ConvergenceError, UnsupportedRegimeError
from meanfield.dmft import _ns_kernels as NK
from meanfield.inputs import OUInput, SineInput
from meanfield.models import BalancedNetwork, RandomNetwork

G, J0, I0 = 2.0, 1.0, 1.0


@pytest.fixture(scope="module")
def lam0():
    return solve_balanced(G, J0, I0, 5000).lambda_max


@pytest.fixture(scope="module")
def stationary_levels():
    # T = 256, band 32 tau, Delta = 1/8, 1/16, 1/32
    return solve_nonstationary(g=G, J0=J0, I0=I0, K=5000, dt=2.0 ** -3, n_steps=2 ** 11, band=2 ** 8, order=3)


def test_stationary_limit_matches_schrodinger(stationary_levels, lam0):
    s = stationary_levels
    first, rich1, rich2 = (row[0] for row in s.convergence["richardson"])
    # measured: first order -8.5e-4, one Richardson step -2.6e-5, two steps -9.9e-6
    # (the rest is the 32-tau band truncation, ~7e-6)
    assert abs(first - lam0) < 1.5e-3
    assert abs(rich1 - lam0) < 5e-5
    assert abs(rich2 - lam0) < 2e-5
    assert s.lambda_max == rich2
    assert abs(s.lambda_max - lam0) < s.lambda_max_error + 1e-5


def test_convergence_order_is_one(stationary_levels):
    conv = stationary_levels.convergence
    assert conv["dt"] == [0.125, 0.0625, 0.03125]
    assert len(conv["lambda"]) == 3
    assert 0.85 < conv["observed_order"] < 1.15          # measured 0.96
    lam = conv["lambda"]
    assert lam[0] < lam[1] < lam[2]                       # monotone first-order approach


def test_result_contents_and_roundtrip(stationary_levels, tmp_path):
    s = stationary_levels
    assert isinstance(s, NonstationarySolution)
    n = s.t.size
    assert s.mean_input.shape == s.mean_rate.shape == s.variance.shape == (n,)
    assert np.all(np.isfinite(s.variance)) and np.all(s.variance > 0)
    assert s.band.shape == (s.band_t.size, s.band_lag.size)
    assert s.k_t.shape == s.half_log_k.shape
    t0, t1 = s.fit_window
    assert s.k_t[0] < t0 < t1 == s.t[-1]
    assert s.diagnostics["max_covariance_clip"] < 1e-12
    path = s.save(tmp_path / "ns.npz")
    back = NonstationarySolution.load(path)
    assert back.lambda_max == s.lambda_max
    np.testing.assert_array_equal(back.variance, s.variance)


def test_stationary_state_matches_balanced_solution(stationary_levels):
    st = solve_balanced(G, J0, I0, 5000)
    s = stationary_levels
    # first-order scheme at Delta = 1/8: relative O(Delta) offsets (measured 2e-3 and 1e-4)
    assert s.variance[-1] == pytest.approx(st.variance, rel=5e-3)
    assert s.mean_rate[-1] == pytest.approx(st.mean_rate, rel=5e-4)


def test_quasi_static_limit_without_silent_phase():
    K, I1 = 100, 5.0                                   # I1 < sqrt(K) I0: no silent phase
    q = quasi_static_lambda(g=G, I0=I0, I1=I1, K=K)
    assert q.silent_fraction == 0.0 and q.lambda_max == q.lambda0
    dev = []
    for f in (0.05, 0.025):
        s = solve_nonstationary(g=G, J0=J0, I0=I0, K=K, input=SineInput(I1, f), dt=2.0 ** -3,
                                n_steps=2 ** 12, band=2 ** 8, order=2, transient=0.25)
        assert s.diagnostics["fit"][0]["method"] == "period maxima"
        dev.append(s.lambda_max - q.lambda_max)
    # measured: -5.8e-3 at f = 0.05, -1.0e-3 at f = 0.025 (about f^2.5)
    assert abs(dev[1]) < 2e-3
    assert abs(dev[1]) < abs(dev[0]) / 3


def test_quasi_static_formula():
    lam0 = quasi_static_lambda(g=G, I0=I0, I1=1.0, K=1).lambda0
    q = quasi_static_lambda(g=G, I0=I0, I1=20.0, K=100)
    p = 0.5 - math.asin(10.0 / 20.0) / math.pi
    assert q.silent_fraction == pytest.approx(p, rel=1e-14)
    assert q.lambda_max == pytest.approx(lam0 - (1 + lam0) * p, rel=1e-14)
    crit = q.critical_amplitude
    qc = quasi_static_lambda(g=G, I0=I0, I1=crit, K=100)
    assert abs(qc.lambda_max) < 1e-12
    # sqrt(K) scaling of the critical amplitude
    q400 = quasi_static_lambda(g=G, I0=I0, I1=1.0, K=400)
    assert q400.critical_amplitude == pytest.approx(2 * crit, rel=1e-12)


def test_rate_modulation_shrinks_like_inverse_sqrt_K():
    amps = []
    for K in (2500, 10000):
        s = solve_nonstationary(g=G, J0=J0, I0=I0, K=K, input=SineInput(5.0, 0.2), dt=2.0 ** -3,
                                n_steps=2 ** 10, band=2 ** 7, order=1)
        nu = s.mean_rate[s.t >= 64]
        amps.append(0.5 * (nu.max() - nu.min()))
    # nu ~ I0/J0 + I1 sin / (sqrt(K) J0): measured amplitude * sqrt(K) = 4.98, 4.99
    assert amps[0] / amps[1] == pytest.approx(2.0, rel=0.01)
    assert amps[1] * math.sqrt(10000) == pytest.approx(5.0, rel=0.01)


@pytest.mark.parametrize("cell", [(-1.7, -1.2, 19.4, 18.0, 15.0), (0.3, -0.5, 2.0, 3.0, -1.0),
                                  (-4.0, -3.0, 1.0, 2.0, 1.4), (1.0, 1.0, 1.0, 1.0, 1.0 - 1e-9)])
def test_closed_form_cells_match_quadrature(cell):
    qp, qd = GK.relu_pair(*cell)   # the shared-Phi2 pair the two-time kernels call
    assert qp == pytest.approx(GK.q2_quad(GK.RELU, GK.F_PHI, *cell), rel=1e-11, abs=1e-14)
    assert qd == pytest.approx(GK.q2_quad(GK.RELU, GK.F_DPHI, *cell), rel=1e-11, abs=1e-14)
    assert qp == pytest.approx(GK.relu_q_phi(*cell), rel=1e-13, abs=1e-15)
    assert qd == pytest.approx(GK.relu_q_dphi(*cell), rel=1e-13, abs=1e-15)


def test_closed_form_run_matches_quadrature_run():
    kw = dict(g=G, J0=J0, I0=I0, K=100, input=SineInput(4.0, 0.2), dt=0.25, n_steps=256, band=32, order=1)
    a = solve_nonstationary(**kw)
    b = solve_nonstationary(cells="quadrature", **kw)
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-10)
    np.testing.assert_allclose(a.mean_input, b.mean_input, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.half_log_k, b.half_log_k, rtol=1e-9, atol=1e-10)


def test_erf_closed_forms_match_quadrature_run():
    kw = dict(g=3.0, J0=J0, I0=0.3, K=100, phi="erf", input=SineInput(2.0, 0.2), dt=0.5, n_steps=64, band=8,
              order=1, transient=0.5)
    a = solve_nonstationary(**kw)
    b = solve_nonstationary(cells="quadrature", **kw)
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-10)
    np.testing.assert_allclose(a.half_log_k, b.half_log_k, rtol=1e-9, atol=1e-10)


def test_common_ou_is_reproducible():
    kw = dict(g=G, J0=J0, I0=I0, K=100, input=OUInput(3.0, 1.0, correlation="common"), dt=2.0 ** -3,
              n_steps=2 ** 10, band=2 ** 7, order=1)
    a = solve_nonstationary(seed=3, **kw)
    b = solve_nonstationary(seed=3, **kw)
    c = solve_nonstationary(seed=4, **kw)
    assert a.lambda_max == b.lambda_max
    np.testing.assert_array_equal(a.mean_input, b.mean_input)
    assert c.lambda_max != a.lambda_max
    assert a.diagnostics["sample_estimate"] is True
    assert a.parameters["seed"] == 3


def test_independent_sine_phase_average_is_stationary():
    kw = dict(g=G, J0=J0, I0=I0, K=100, input=SineInput(3.0, 0.2, correlation="independent"), dt=2.0 ** -3,
              n_steps=2 ** 10, band=2 ** 7, order=1)
    a = solve_nonstationary(n_phase=8, **kw)
    nu = a.mean_rate[a.t >= 64]
    assert (nu.max() - nu.min()) / nu.mean() < 1e-4      # measured 8e-6
    assert a.approximation is None
    b = solve_nonstationary(independent_sine="gaussian", **kw)
    assert "surrogate" in b.approximation


def test_lyapunov_max_dispatch(monkeypatch, lam0):
    net = BalancedNetwork(5000, G, J0, I0, seed=1)
    assert lyapunov_max(net).lambda_max == pytest.approx(lam0, rel=1e-12)
    zero = BalancedNetwork(5000, G, J0, I0, input=SineInput(0.0, 0.2), seed=1)
    assert lyapunov_max(zero).lambda_max == pytest.approx(lam0, rel=1e-12)
    ind = BalancedNetwork(100, G, J0, I0, input=SineInput(2.0, 0.2, correlation="independent"), seed=1)
    assert dmft.choose_method(ind) == "independent"
    com = BalancedNetwork(100, G, J0, I0, input=SineInput(2.0, 0.2), seed=1)
    res = lyapunov_max(com, dt=0.25, n_steps=512, band=64, order=1)
    assert isinstance(res, NonstationarySolution)
    assert math.isfinite(res.lambda_max) and res.lambda_max_error >= 0


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(dt=0.0), ValueError, "dt"),
    (dict(dt=0.7), ValueError, "dt"),
    (dict(n_steps=10), ValueError, "n_steps"),
    (dict(n_steps=100.0), TypeError, "n_steps"),
    (dict(band=1), ValueError, "band"),
    (dict(order=4), ValueError, "order"),
    (dict(transient=1.0), ValueError, "transient"),
    (dict(independent_sine="exact"), ValueError, "independent_sine"),
    (dict(cells="adaptive"), ValueError, "cells"),
    (dict(g=-1.0), ValueError, "g"),
    (dict(I0=0.0), ValueError, "I0"),
    (dict(K=0), ValueError, "K"),
    (dict(input=3.0), TypeError, "input"),
])
def test_bad_input(kwargs, exc, name):
    base = dict(g=G, J0=J0, I0=I0, K=100)
    base.update(kwargs)
    with pytest.raises(exc, match=name):
        solve_nonstationary(**base)


def test_bad_models():
    with pytest.raises(TypeError, match="model"):
        solve_nonstationary(RandomNetwork(10, 2.0))
    with pytest.raises(UnsupportedRegimeError, match="BalancedNetwork"):
        lyapunov_max(RandomNetwork(10, 2.0), method="nonstationary")
    with pytest.raises(UnsupportedRegimeError, match="connectivity"), pytest.warns(DeprecationWarning):
        solve_nonstationary(BalancedNetwork(20, G, J0, I0, K=5, connectivity="sparse"))
    with pytest.raises(TypeError, match="not both"), pytest.warns(DeprecationWarning):
        solve_nonstationary(BalancedNetwork(20, G, J0, I0), g=2.0)
    with pytest.raises(TypeError, match="I1"):
        quasi_static_lambda(g=G, I0=I0, K=10)


def test_failure_raises_with_diagnostics():
    # an absurd disorder overflows the variance recursion within a few steps
    with pytest.raises(ConvergenceError) as err:
        solve_nonstationary(g=1e160, J0=J0, I0=I0, K=100, dt=0.5, n_steps=64, band=4, order=1)
    assert "step" in err.value.diagnostics


@pytest.mark.slow
def test_reference_grid_stationary_limit(lam0):
    s = solve_nonstationary(g=G, J0=J0, I0=I0, K=5000, order=2)
    assert abs(s.lambda_max - lam0) < 3e-5
    assert abs(s.lambda_max - lam0) < s.lambda_max_error + 1e-5


@pytest.mark.slow
def test_independent_sine_phase_average_matches_stationary_independent_dmft():
    # measured: 0.0395504 (order 2, Delta = 1/8) vs 0.0395528 (stationary independent-input DMFT)
    net = BalancedNetwork(100, G, J0, I0, input=SineInput(3.0, 0.2, correlation="independent"), seed=1)
    ref = dmft.solve(net).lambda_max
    s = lyapunov_max(net, method="nonstationary", dt=2.0 ** -3, n_steps=2 ** 11, band=2 ** 8, order=2,
                     n_phase=16)
    assert abs(s.lambda_max - ref) < 2e-5


# ------------------------------------------------------------------ Mehler series (tanh, user pairs)

@pytest.fixture(scope="module")
def hermite():
    from meanfield.dmft._mehler_kernels import hermite_weights as _hermite_weights
    return _hermite_weights()


@pytest.mark.parametrize("code, name", [(GK.TANH, "tanh"), (GK.ERF, "erf")])
@pytest.mark.parametrize("fk, f", [(GK.F_PHI, "phi"), (GK.F_DPHI, "dphi")])
def test_series_cells_match_expect2(hermite, code, name, fk, f):
    from meanfield.gaussian import expect2
    Z, W = hermite
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(60):
        m1, m2 = rng.uniform(-3.0, 3.0, 2)
        v1, v2 = rng.uniform(0.05, 6.0, 2)
        near = 10 ** rng.uniform(-12, -1)
        rho = rng.choice([rng.uniform(-1, 1), 1 - near, -1 + near])
        c = rho * math.sqrt(v1 * v2)
        val, ok, na, nb = NK.series_q2(code, fk, m1, m2, v1, v2, c, Z, W, 1600)
        assert ok, (m1, m2, v1, v2, rho, na, nb)
        worst = max(worst, abs(val - expect2(f, m1, m2, v1, v2, c, phi=name)))
    assert worst < 1e-12                                   # measured 2.2e-14


def test_series_cell_reports_non_convergence(hermite):
    Z, W = hermite
    # variance too large for the stored terms near rho = 1: the solver's cells fall back to quadrature
    val, ok, na, nb = NK.series_q2(GK.TANH, GK.F_PHI, 0.3, -0.2, 40.0, 40.0, 0.999 * 40.0, Z, W, 1600)
    assert not ok
    # small |rho| converges with the same coefficients
    val, ok, na, nb = NK.series_q2(GK.TANH, GK.F_PHI, 0.3, -0.2, 4.0, 4.0, 0.1 * 4.0, Z, W, 200)
    assert ok


def test_tanh_series_run_matches_quadrature_run():
    # mixed input: common sine (mean path) and independent sine (phase-averaged coefficients)
    kw = dict(g=G, J0=J0, I0=0.3, K=100, phi="tanh", input=SineInput(2.0, 0.2, correlation=0.5), dt=0.5,
              n_steps=64, band=8, order=1, n_phase=4)
    a = solve_nonstationary(**kw)
    b = solve_nonstationary(cells="quadrature", **kw)
    assert a.diagnostics["cells"] == "series" and b.diagnostics["cells"] == "quadrature"
    ser = a.diagnostics["series"]
    assert ser["fallback"] == 0 and ser["untrusted_time_points"] == 0 and ser["evaluations"] > 0
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-10)
    np.testing.assert_allclose(a.mean_input, b.mean_input, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.half_log_k, b.half_log_k, rtol=1e-10, atol=1e-10)
    assert abs(a.lambda_max - b.lambda_max) < 1e-10       # measured ~1e-15


def test_erf_series_matches_closed_forms():
    kw = dict(g=3.0, J0=J0, I0=0.3, K=100, phi="erf", input=SineInput(2.0, 0.2), dt=0.5, n_steps=64, band=8,
              order=1)
    a = solve_nonstationary(cells="series", **kw)
    b = solve_nonstationary(**kw)
    assert a.diagnostics["series"]["fallback"] == 0 and "series" not in b.diagnostics
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-10)
    np.testing.assert_allclose(a.half_log_k, b.half_log_k, rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="cells"):
        solve_nonstationary(g=G, J0=J0, I0=I0, K=100, cells="series")


def test_user_pair_reproduces_builtin_tanh():
    from numba import njit

    @njit
    def th(x):
        return math.tanh(x)

    @njit
    def sech2(x):
        c = math.cosh(x)
        return 1.0 / (c * c)

    kw = dict(g=G, J0=J0, I0=0.3, K=100, input=SineInput(2.0, 0.2), dt=0.25, n_steps=256, band=32, order=1)
    a = solve_nonstationary(phi="tanh", **kw)
    b = solve_nonstationary(phi=(th, sech2), **kw)          # compiles the cloned kernels (~10 s)
    assert b.parameters["phi"] == "user:th" and b.diagnostics["series"]["fallback"] == 0
    # measured: 1.3e-15 (variance), 5e-16 (1/2 ln k)
    np.testing.assert_allclose(b.variance, a.variance, rtol=1e-12)
    np.testing.assert_allclose(b.mean_input, a.mean_input, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.half_log_k, a.half_log_k, rtol=1e-12, atol=1e-12)
    assert abs(b.lambda_max - a.lambda_max) < 1e-12


def test_tanh_without_drive_matches_scs():
    # J0, I0 -> 0: m = 0 and the balanced tanh network is the SCS network (solve_scs)
    st = dmft.solve_scs(G, "tanh")
    s = solve_nonstationary(g=G, J0=1e-12, I0=1e-12, K=1, phi="tanh", dt=2.0 ** -3, n_steps=2 ** 11,
                            band=2 ** 8, order=2)
    # measured: lambda 0.1124513 vs 0.1124581 (order 3: 7e-8); variance rel. 1e-5 (first order, dt = 1/8)
    assert abs(s.lambda_max - st.lambda_max) < 2e-5
    assert abs(s.lambda_max - st.lambda_max) < s.lambda_max_error
    assert s.variance[-1] == pytest.approx(st.variance, rel=1e-4)
    assert abs(s.mean_input[-1]) < 1e-10
    assert s.diagnostics["series"]["fallback"] == 0
