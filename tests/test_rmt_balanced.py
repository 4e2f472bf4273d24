"""Balanced ReLU networks: the single-site theory with 0/1 gates (meanfield.rmt.balanced).

Fast: the gate paths carry the DMFT's active fraction exactly, the bulk law depends on g only
(positive homogeneity of ReLU: J0, I0, K move the mean-mode exponent alone), the front end and its
refusals.  Slow: against a QR simulation of a balanced network (N = K = 1000).  Fixed point (g <= sqrt 2):
the atom + semicircle law against the exact finite-N exponents (eigenvalues of the fixed point's
Jacobian, and the QR engine at the fixed point).
"""
import math

import numpy as np
import pytest

import meanfield as mf
from meanfield import rmt
from meanfield.dmft import solve_balanced
from meanfield.errors import UnsupportedRegimeError
from meanfield.rmt.single_site import gain_paths

SMALL = dict(T=16.0, m=32, n_paths=32, n_thresholds=10)


def test_gate_paths_have_the_dmft_active_fraction():
    sol = solve_balanced(2.0, 1.0, 1.0, 1000, tau_max=160.0)
    d, _ = gain_paths(2.0, "relu", T=32.0, m=80, n_paths=256, seed=0, dmft=sol)
    assert set(np.unique(d)) == {0.0, 1.0}
    # rank matching puts the samples on the exact Gaussian quantiles of mu + h~: the active count is
    # the DMFT's Phi(x) to the resolution 1/(n_paths m) of the quantile grid
    assert abs(d.mean() - sol.fraction_active) <= 1.0 / d.size
    # the paths carry the static (quenched) part: a unit's time-averaged gate is spread far beyond
    # what the temporal fluctuations alone give
    assert np.mean(d.mean(axis=1) == 0.0) > 0.2


def test_bulk_depends_on_g_only_and_the_mean_mode_on_J0_sqrtK():
    a = rmt.balanced_spectrum(2.0, J0=1.0, I0=1.0, K=400, N=400, **SMALL)
    b = rmt.balanced_spectrum(2.0, J0=2.5, I0=0.7, K=100, N=400, **SMALL)
    assert np.max(np.abs(a.table_lambda - b.table_lambda)) < 1e-9
    assert np.max(np.abs(a.exponents[:-1] - b.exponents[:-1])) < 1e-9
    f = a.settings["fraction_active"]
    assert f == pytest.approx(b.settings["fraction_active"], abs=1e-12)
    assert a.exponents[-1] == pytest.approx(-1.0 - 1.0 * math.sqrt(400) * f, abs=1e-12)
    assert b.exponents[-1] == pytest.approx(-1.0 - 2.5 * math.sqrt(100) * f, abs=1e-12)
    assert a.dimension_per_N == b.dimension_per_N and a.entropy_rate_per_N == b.entropy_rate_per_N


def test_front_end(tmp_path):
    net = mf.BalancedNetwork(300, 2.0, 1.0, 1.0, seed=1)
    res = rmt.lyapunov_spectrum(net, T=16.0, m=32, n_paths=32, n_thresholds=10)
    assert res.method == "single-site" and res.settings["model_kind"] == "balanced"
    assert res.exponents.shape == (300,) and np.all(np.diff(res.exponents) <= 1e-12)
    sol = solve_balanced(2.0, 1.0, 1.0, 300)
    assert res.lambda_max == pytest.approx(sol.lambda_max, rel=1e-12)
    assert res.exponents[-1] == pytest.approx(rmt.mean_mode_exponent(1.0, 300, sol.fraction_active))
    s = np.linspace(-1.8, -0.2, 9)
    assert np.max(np.abs(res.cdf(-2.0 - s) - (1.0 - res.cdf(s)))) < 1e-6       # point symmetry of the bulk
    assert "mean coupling is left out" in res.regime
    res.save(str(tmp_path / "b.npz"))
    assert np.array_equal(type(res).load(str(tmp_path / "b.npz")).exponents, res.exponents)
    assert rmt.lyapunov_spectrum(net, n=50, **SMALL).exponents.shape == (50,)


@pytest.mark.parametrize("kw,match", [
    (dict(connectivity="sparse", K=50), "sparse"),
    (dict(phi="tanh"), "relu"),
])
def test_refusals(kw, match):
    args = dict(N=100, g=2.0, J0=1.0, I0=1.0)
    args.update(kw)
    with pytest.raises(UnsupportedRegimeError, match=match):
        rmt.lyapunov_spectrum(mf.BalancedNetwork(**args, seed=1))


def test_refusals_methods_and_options():
    net = mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1)
    for method in ("free", "snapshot", "semicircle", "newman"):
        with pytest.raises(UnsupportedRegimeError, match="single-site"):
            rmt.lyapunov_spectrum(net, method=method)
    with pytest.raises(TypeError, match="unknown option"):
        rmt.lyapunov_spectrum(net, q=1.0)
    with pytest.raises(UnsupportedRegimeError, match="autonomous"):
        rmt.lyapunov_spectrum(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1,
                                                 input=mf.SineInput(amplitude=1.0, frequency=0.2)))


@pytest.mark.slow
def test_against_qr_simulation_N1000():
    # QR (RK4, dt = 0.1, T = 500, 60 exponents, ~70 s CPU each) of three dense balanced networks
    # N = K = 1000, g = 2 (python -m meanfield.rmt.validate balanced --sizes 1000 --seeds 1,2,3):
    # D/N 0.01745, 0.01093, 0.01727 (SE 0.0008, 0.0004, 0.0010) vs theory 0.01758; H/N 0.000322,
    # 0.000129, 0.000325 vs 0.000382; lambda_1 0.077, 0.046, 0.083 vs the DMFT 0.0960 (N -> inf).
    # Networks scatter far beyond their run errors (quenched disorder: network 2 is 38 % below), so
    # the tolerance is 3 SE of the mean over networks (it catches errors above ~35 % of D/N here)
    from meanfield.rmt.validate import qr_cached
    N = 1000
    th = rmt.lyapunov_spectrum(mf.BalancedNetwork(N, 2.0, 1.0, 1.0, seed=1))
    D, H = [], []
    for seed in (1, 2, 3):
        sim, _ = qr_cached(mf.BalancedNetwork(N, 2.0, 1.0, 1.0, seed=seed), 60, 500.0, seed + 100)
        D.append(sim.dimension_per_N)
        H.append(sim.entropy_rate_per_N)
    for vals, ref in ((D, th.dimension_per_N), (H, th.entropy_rate_per_N)):
        se = np.std(vals, ddof=1) / math.sqrt(len(vals))
        assert abs(np.mean(vals) - ref) < 3 * se


def test_fixed_point_law_structure():
    g = 1.2
    res = rmt.lyapunov_spectrum(mf.BalancedNetwork(400, g, 1.0, 1.0, seed=1))
    assert res.method == "semicircle" and res.settings["model_kind"] == "balanced"
    f = solve_balanced(g, 1.0, 1.0, 400).fraction_active
    R = g * math.sqrt(f)
    assert res.settings["fraction_active"] == f and res.lambda_max == pytest.approx(-1.0 + R, abs=1e-15)
    assert res.dimension == 0.0 and res.entropy_rate == 0.0 and res.mean_exponent == -1.0
    # atom of mass 1 - f at -1: the CDF jumps from f/2 to 1 - f/2 there
    assert res.cdf(-1.0) == pytest.approx(1.0 - 0.5 * f, abs=1e-12)
    for x in (-1.5, -1.1, -1.01, -1.001, -0.999, -0.9, -0.5):      # outside the table's step at the atom
        exact = (1.0 - f) * (x >= -1.0) + f * rmt.semicircle_cdf(x, R)
        assert res.cdf(x) == pytest.approx(exact, abs=1e-9)
    assert np.sum(res.exponents == -1.0) == pytest.approx((1.0 - f) * 400, abs=1.0)
    # the active part is the semicircle of radius g sqrt f: quantile at u = f/4 is its upper quartile
    assert res.quantile(0.25 * f) == pytest.approx(rmt.semicircle_quantile(0.25, R), abs=1e-9)
    assert res.exponents[-1] == pytest.approx(rmt.mean_mode_exponent(1.0, 400, f), abs=1e-12)
    with pytest.raises(UnsupportedRegimeError, match="semicircle"):
        rmt.lyapunov_spectrum(mf.BalancedNetwork(100, 1.3, 1.0, 1.0, seed=1), method="single-site")
    with pytest.raises(UnsupportedRegimeError, match="chaotic"):
        rmt.balanced_fixed_point_spectrum(1.5)


def test_fixed_point_qr_equals_jacobian_eigenvalues():
    # finite-N identity behind the law: at a stable fixed point the exponents are Re eig(-1 + J D)
    from meanfield.rmt.validate import balanced_fixed_point
    net = mf.BalancedNetwork(60, 1.2, 1.0, 1.0, seed=3)
    _, D, res = balanced_fixed_point(net)
    assert res < 1e-9
    lam = np.sort(np.linalg.eigvals(-np.eye(60) + net.J * D[None, :]).real)[::-1]
    r = mf.lyapunov_spectrum(net, t_sim=300, t_warmup=200, dt=0.05, integrator="rk4", seed=1,
                             progress=False)
    # complex pairs converge as 1/T with oscillations: 3 standard errors of the run, worst exponent
    assert np.max(np.abs(r.exponents - lam)) < 3 * np.max(r.stderr)


def test_fixed_point_law_against_network_eigenvalues():
    # python -m meanfield.rmt.validate balanced-fixed-point (4 networks each): bulk RMS against the law
    # with the network's own active fraction 0.0080, 0.0048, 0.0027 at N = 500, 1000, 2000 (g = 0.8) and
    # 0.0115, 0.0070 at N = 500, 1000 (g = 1.2), max 0.0074 over networks at N = 1000: tolerance 0.01.
    # A wrong radius (g instead of g sqrt f) is off by > 0.05, so the test discriminates.
    from meanfield.rmt.balanced import _atom_semicircle_quantile
    from meanfield.rmt.validate import balanced_fixed_point
    N, g = 1000, 1.2
    net = mf.BalancedNetwork(N, g, 1.0, 1.0, seed=2)
    _, D, _ = balanced_fixed_point(net)
    lam = np.sort(np.linalg.eigvals(-np.eye(N) + net.J * D[None, :]).real)[::-1][:-1]
    u = (np.arange(1, N) - 0.5) / N
    f = D.mean()
    rms = np.sqrt(np.mean((lam - _atom_semicircle_quantile(u, f, g * math.sqrt(f))) ** 2))
    wrong = np.sqrt(np.mean((lam - _atom_semicircle_quantile(u, f, g)) ** 2))
    assert rms < 0.01 and wrong > 0.05
