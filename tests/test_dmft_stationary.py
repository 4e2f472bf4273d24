"""Stationary DMFT: analytic limits, internal consistency, and (slow) simulation."""
import math

import numpy as np
import pytest
from scipy.special import ndtr

import meanfield as mf
from meanfield import dmft


@pytest.fixture(scope="module")
def scs2():
    return dmft.solve_scs(2.0)


def test_below_onset_fixed_point_and_lambda():
    s = dmft.solve_scs(0.7)
    assert not s.chaotic and s.variance == 0.0
    assert s.lambda_max == pytest.approx(-1.0 + 0.7, abs=1e-15)   # circular law radius g
    d = dmft.solve_scs(0.7, time="discrete")
    assert d.lambda_max == pytest.approx(math.log(0.7), abs=1e-15)


def test_near_onset_variance_matches_the_small_delta_expansion():
    # energy condition expanded: -D^2/2 + g^2 (D^2/2 - D^3 + O(D^4)) = 0 -> D0 = (g^2-1)/(2g^2) + O((g-1)^2)
    for eps in (0.02, 0.01):
        g = 1.0 + eps
        s = dmft.solve_scs(g)
        ref = (g * g - 1) / (2 * g * g)
        assert s.chaotic
        assert abs(s.variance / ref - 1) < 6 * eps
        assert 0 < s.lambda_max < 5 * eps ** 2


def test_chaotic_solution_is_self_consistent(scs2):
    s = scs2
    d = s.diagnostics
    assert s.asymptote == pytest.approx(0.0, abs=1e-12)           # odd phi
    assert s.autocorrelation[0] == pytest.approx(s.variance, rel=1e-9)
    assert d["orbit_variance_mismatch"] < 1e-8
    # Delta'(tau) is an odd zero mode of the Schroedinger operator: E = 0 exactly
    assert abs(d["zero_mode_energy"]) < 1e-7
    assert np.all(np.diff(s.autocorrelation) <= 1e-12)           # monotone decay
    assert s.lambda_max > 0 and s.ground_state_energy < 0


def test_lambda_converges_under_grid_refinement(scs2):
    from meanfield.dmft import stationary as st
    k = st._Kernel(mf.nonlinearities.resolve("tanh"), 0.0, scs2.variance)
    orbit, _ = st._orbit(k, 2.0, scs2.variance, scs2.asymptote)
    lam_h = [st._lambda_continuous(k, 2.0, scs2.variance, orbit, h=h)[0] for h in (0.16, 0.08, 0.04, 0.01)]
    # Richardson-extrapolated energies converge at fourth order (ratio 16) until a ~1e-11 floor
    # (interpolation, round-off); measure the order on the coarse spacings
    r = (lam_h[0] - lam_h[1]) / (lam_h[1] - lam_h[2])
    assert r > 8, r
    assert abs(lam_h[3] - scs2.lambda_max) < 1e-9 * scs2.lambda_max


def test_discrete_time_without_leak_is_memoryless():
    from meanfield import gaussian as G
    s = dmft.solve_scs(2.0, time="discrete")
    assert s.variance == pytest.approx(4.0 * G.expect("phi2", 0.0, s.variance, phi="tanh"), rel=1e-12)
    assert s.lambda_max == pytest.approx(0.5 * math.log(4.0 * G.expect("dphi2", 0.0, s.variance, phi="tanh")),
                                         rel=1e-12)
    assert np.all(s.autocorrelation[1:] == s.asymptote)


@pytest.mark.slow
def test_leaky_discrete_time_approaches_continuous_time(scs2):
    lam = {}
    for a in (0.2, 0.1):
        s = dmft.solve_scs(2.0, time="discrete", leak=a)
        lam[a] = s.lambda_max / a            # per unit time
    err = {a: abs(lam[a] - scs2.lambda_max) for a in lam}
    assert err[0.1] < err[0.2] < 0.05
    assert err[0.2] / err[0.1] == pytest.approx(2.0, rel=0.3)   # first order in the step


def test_balanced_transition_at_sqrt2():
    below = dmft.solve_balanced(1.4, 1.0, 1.0, 10 ** 6)
    above = dmft.solve_balanced(1.45, 1.0, 1.0, 10 ** 6)
    assert not below.chaotic and above.chaotic
    assert below.lambda_max < 0 < above.lambda_max
    assert abs(below.lambda_max) < 0.02 and above.lambda_max < 0.02
    # fixed point: g^2 F2(x) = 1 and lambda = -1 + g sqrt(Phi(x))
    x = below.mean_input / math.sqrt(below.variance)
    F2 = x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi) + (1 + x * x) * ndtr(x)
    assert 1.4 ** 2 * F2 == pytest.approx(1.0, abs=1e-12)
    assert below.lambda_max == pytest.approx(-1 + 1.4 * math.sqrt(ndtr(x)), abs=1e-14)


def test_balanced_rate_formula_and_homogeneity():
    a = dmft.solve_balanced(2.0, 1.0, 1.0, 10000)
    b = dmft.solve_balanced(2.0, 1.0, 3.0, 10000)          # I0 x 3: everything scales, x and lambda do not
    x = a.diagnostics["x"]
    assert b.diagnostics["x"] == pytest.approx(x, abs=1e-12)
    assert b.lambda_max == pytest.approx(a.lambda_max, abs=1e-12)
    assert b.mean_rate == pytest.approx(3 * a.mean_rate, rel=1e-12)
    F1 = x * ndtr(x) + math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    assert a.mean_rate == pytest.approx(1.0 / (1.0 + x / (100.0 * F1)), rel=1e-12)
    assert a.mean_rate == pytest.approx(math.sqrt(a.variance) * F1, rel=1e-10)
    assert a.fraction_active == pytest.approx(ndtr(x))
    assert abs(a.diagnostics["zero_mode_energy"]) < 1e-7


def test_model_wrapper_and_errors():
    # the front end's Δ0 satisfies the SCS energy condition V(Δ0) = V(0),
    # -Δ0²/2 + g² E[Φ(h)²] = g² E[Φ(h)]² with Φ = ln cosh and h ~ N(0, Δ0), checked with an
    # independent mpmath quadrature (a 1e-6 relative error in Δ0 leaves a residual of 1.3e-6)
    import mpmath as mp
    s = dmft.solve(mf.RandomNetwork(100, 2.0, seed=1))
    assert s.method == "stationary" and s.model["g"] == 2.0

    def gauss(f, v):
        sd = mp.sqrt(v)
        w = mp.quad(lambda z: f(sd * z) * mp.exp(-z * z / 2), [-mp.inf, -3, 0, 3, mp.inf])
        return w / mp.sqrt(2 * mp.pi)

    with mp.workdps(30):
        lc = lambda x: mp.log(mp.cosh(x))  # noqa: E731
        v = mp.mpf(s.variance)
        resid = -v * v / 2 + 4 * (gauss(lambda x: lc(x) ** 2, v) - gauss(lc, v) ** 2)
    assert abs(float(resid)) < 1e-12
    with pytest.raises(mf.UnsupportedRegimeError, match="homogeneous"):
        dmft.solve(mf.RandomNetwork(100, 2.0, phi="relu"))
    with pytest.raises(TypeError, match="model"):
        dmft.solve(object())
    with pytest.raises(ValueError, match="g"):
        dmft.solve_scs(-1.0)


def test_solution_save_load(tmp_path, scs2):
    p = scs2.save(tmp_path / "s.npz")
    t = dmft.StationarySolution.load(p)
    assert t.lambda_max == scs2.lambda_max and np.array_equal(t.autocorrelation, scs2.autocorrelation)


@pytest.mark.slow
@pytest.mark.parametrize("g", [1.5, 2.0, 3.0])
def test_scs_theory_against_simulation(g):
    """lambda_max and Delta_0 of N = 2000 networks (3 realisations) against DMFT.

    Tolerance: 4 combined standard errors plus a finite-N allowance of 0.02 (lambda) and
    5 % (variance), the size of the O(1/N) and O(1/sqrt N) corrections seen at N = 1000 - 2000.
    """
    th = dmft.solve_scs(g)
    lams, var = [], []
    for seed in range(3):
        net = mf.RandomNetwork(2000, g, seed=100 + seed)
        r = mf.lyapunov_max(net, method="two-trajectory", t_sim=600, t_warmup=100, seed=seed, progress=False)
        lams.append(r.lambda_max)
        s = mf.simulate(net, 300.0, dt=0.1, record="all", record_every=10, t_warmup=100, seed=seed,
                        progress=False)
        var.append(s.h.var())
    se = np.std(lams, ddof=1) / math.sqrt(3)
    assert abs(np.mean(lams) - th.lambda_max) < 4 * se + 0.02
    assert np.mean(var) == pytest.approx(th.variance, rel=0.05)


def _st():
    from meanfield.dmft import stationary
    return stationary


@pytest.mark.parametrize("kw", [dict(g=2.0), dict(g=2.0, phi="relu", network="balanced")])
def test_lambda_convergence_orders(kw):
    """Raw Schroedinger lambda converges at second order, the Richardson value at fourth, down to
    the round-off floor (errors below 1e-12 lambda are not used for the order)."""
    r = _st().lambda_convergence(hs=(0.16, 0.08, 0.04, 0.02), **kw)
    assert np.all(np.abs(r.order_raw[:-1] - 2.0) < 0.05), r.table()
    above = r.error_richardson[1:] > 1e-12 * r.reference
    assert np.all(r.order_richardson[:-1][above] > 3.7), r.table()
    assert r.error_richardson[-1] < 1e-11 * r.reference


def test_default_lambda_is_converged(scs2):
    r = _st().lambda_convergence(2.0, hs=(0.02, 0.01))
    assert abs(scs2.lambda_max - r.reference) < 1e-10 * r.reference
    assert scs2.diagnostics["grid_spacing"] == pytest.approx(0.02)


def test_mehler_kernel_matches_quadrature():
    from meanfield import gaussian as G
    st = _st()
    nl = mf.nonlinearities.resolve("tanh")
    for m, v in ((0.0, 1.9248054137370547), (0.7, 0.3), (-0.4, 5.0)):
        k = st._Kernel(nl, m, v)
        assert k.kind == 1                                   # Mehler series
        c = np.array([-v, -0.6 * v, 0.0, 0.3 * v, 0.9 * v, 0.999 * v, v])
        for f, fn in (("phi", k.q), ("dphi", k.qd), ("Phi", k.PP)):
            ref = G.expect2(f, m, m, v, v, c, phi="tanh")
            assert np.max(np.abs(fn(c) - ref)) < 2e-14 * max(1.0, np.abs(ref).max()), (f, m, v)
            assert fn(0.3 * v) == pytest.approx(float(ref[3]), abs=2e-14 * max(1.0, abs(ref[3])))
    assert st._Kernel(nl, 0.0, 30.0).kind == 0                # too wide for the series: quadrature


def test_lowest_eigenvalue_matches_lapack():
    from scipy.linalg import eigh_tridiagonal
    from meanfield.dmft import schrodinger as S
    h = 0.01
    tau = (np.arange(5000) + 0.5) * h
    for U in (1.0 - 2.5 / np.cosh(tau) ** 2, 0.05 - 1.2 / np.cosh(0.3 * tau) ** 2 + 0.1 * np.sin(tau) ** 2):
        for parity in ("even", "odd"):
            d = 2 / h ** 2 + U
            d[0] += (-1.0 if parity == "even" else 1.0) / h ** 2
            ref = eigh_tridiagonal(d, np.full(U.size - 1, -1 / h ** 2), select="i", select_range=(0, 0),
                                   eigvals_only=True)[0]
            E = S._lowest(U, h, parity)
            assert E == pytest.approx(ref, abs=50 * 2.2e-16 * 4 / h ** 2)     # LAPACK's eps ||T|| floor
            assert S._lowest(U, h, parity, guess=E + 0.05) == pytest.approx(E, abs=1e-13)


def test_lowest_eigenvalue_with_neumann_end_matches_lapack():
    """The one ground-state solver with a Neumann condition at L (the independent-input problem)."""
    from scipy.linalg import eigh_tridiagonal
    from meanfield.dmft import schrodinger as S
    h = 0.02
    tau = (np.arange(1500) + 0.5) * h
    for U in (1.0 - 2.5 / np.cosh(tau) ** 2, 0.3 + 0.4 * np.cos(0.7 * tau) - 0.9 / np.cosh(tau - 12.0) ** 2):
        for parity in ("even", "odd"):
            d = 2 / h ** 2 + U
            d[0] += (-1.0 if parity == "even" else 1.0) / h ** 2
            d[-1] -= 1.0 / h ** 2
            ref = eigh_tridiagonal(d, np.full(U.size - 1, -1 / h ** 2), select="i", select_range=(0, 0),
                                   eigvals_only=True)[0]
            E = S._lowest(U, h, parity, end="neumann")
            assert E == pytest.approx(ref, abs=50 * 2.2e-16 * 4 / h ** 2)
            assert S._lowest(U, h, parity, guess=E + 0.05, end="neumann") == pytest.approx(E, abs=1e-13)
    flat = np.full(7, 0.25)
    assert S._lowest(flat, 0.1, "even", end="neumann") == pytest.approx(0.25, abs=1e-14)   # constant mode


def test_numba_orbit_matches_scipy_orbit(scs2):
    st = _st()
    k = st._Kernel(mf.nonlinearities.resolve("tanh"), 0.0, scs2.variance)

    class Plain:                       # not a _Kernel: takes the scipy solve_ivp path
        q, qd = k.q, k.qd
    o1, v1 = st._orbit(k, 2.0, scs2.variance, scs2.asymptote)
    o2, v2 = st._orbit(Plain(), 2.0, scs2.variance, scs2.asymptote)
    tau = np.linspace(0.0, 30.0, 301)
    assert np.max(np.abs(o1(tau) - o2(tau))) < 1e-10 * scs2.variance
    assert v1 == pytest.approx(v2, rel=1e-11) and o1.s_end == pytest.approx(o2.s_end, rel=1e-9)
