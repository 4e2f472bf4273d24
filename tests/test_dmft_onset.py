"""Stationary DMFT near the onset of chaos (issue 11, "Near a transition"): the expansion of
meanfield.dmft.onset against the orbit solver where both apply, continuity and monotonicity
across the switch points, and answers (no ConvergenceError) between g_c and the switch."""
import math
import warnings

import numpy as np
import pytest

import meanfield as mf
from meanfield import dmft, nonlinearities
from meanfield.dmft import onset as ON
from meanfield.dmft import schrodinger as S

SQ2 = math.sqrt(2.0)


def _rel(a, b):
    return abs(a / b - 1.0)


# ---------------------------------------------------------------- the expansion itself

def test_half_line_poschl_teller_root_matches_a_numerical_ground_state():
    # -psi'' + [3/10 - (9/4) sech^2(k t / 2 + theta0)] psi = e psi on t >= 0, psi'(0) = 0, k^2 = 3/10
    k = math.sqrt(0.3)
    h, L = 0.01, 120.0
    tc, tf = S.grids(L, h)
    U = lambda t: 0.3 - 2.25 / np.cosh(0.5 * k * t + ON.THETA0) ** 2  # noqa: E731
    e0, err = S.richardson_energy(U(tc), U(tf), h, "even")
    assert e0 == pytest.approx(ON.PT_E0, abs=1e-9)
    assert ON.PT_E0 == pytest.approx(-0.6204656612311898, rel=1e-13)
    # the odd state (psi(0) = 0) is the zero mode c'(tau) of the orbit: E = 0
    e1, _ = S.richardson_energy(U(tc), U(tf), h, "odd", guess=0.0)
    assert abs(e1) < 1e-9


@pytest.mark.parametrize("phi, a, d5", [("tanh", 1.0, 16.0), ("erf", math.pi / 4, 3 * math.pi ** 2 / 4)])
def test_scs_expansion_reproduces_the_explicit_series(phi, a, d5):
    # Delta0 = eps/a + (d5/(8a^3) - 5/(6a)) eps^2 + O(eps^3), lambda = eps^2/2 (1 + eps/3 - d5 eps/(4a^2))
    # + O(eps^4): relative remainders O(eps^2) with coefficients O(10)
    nl = nonlinearities.resolve(phi)
    for eps in (1e-5, 1e-4):
        r = ON.scs_onset(nl, 1.0 + eps)
        e = r["epsilon"]
        assert _rel(r["variance"], e / a + (d5 / (8 * a ** 3) - 5 / (6 * a)) * e * e) < 10 * e * e
        assert _rel(r["lambda_max"], 0.5 * e * e * (1 + e / 3 - d5 * e / (4 * a * a))) < 40 * e * e


def test_balanced_expansion_reproduces_the_explicit_leading_order():
    # w = (5 pi / 8)^2 eps^2, lambda = -5 e0 eps / (12 sqrt 2), x = -sqrt(pi) eps / 2: relative O(eps)
    for eps in (1e-6, 1e-4):
        r = ON.balanced_onset(SQ2 + eps)
        e = r["epsilon"]
        assert _rel(r["w"], (5 * math.pi / 8) ** 2 * e * e) < 4 * e
        assert _rel(r["lambda_max"], -5 * ON.PT_E0 * e / (12 * SQ2)) < 0.4 * e
        assert _rel(r["x"], -0.5 * math.sqrt(math.pi) * e) < 0.6 * e


# ---------------------------------------------------------------- against the solver

@pytest.mark.parametrize("phi, eps", [("tanh", 3.5e-3), ("tanh", 5e-3), ("tanh", 1e-2),
                                      ("erf", 1e-2), ("erf", 2e-2), ("erf", 3e-2)])
def test_scs_expansion_matches_the_solver(phi, eps):
    s = dmft.solve_scs(1.0 + eps, phi=phi)
    assert s.diagnostics.get("method") != "onset-expansion"
    r = ON.scs_onset(nonlinearities.resolve(phi), 1.0 + eps)
    # the stated error is the estimated next-order term 9 p^2 (relative, p = C v^2 / B = O(eps^2))
    tol = r["lambda_max_error"] + s.lambda_max_error
    assert abs(r["lambda_max"] - s.lambda_max) <= tol
    assert _rel(r["variance"], s.variance) <= 9 * r["p"] ** 2
    # the profile: Delta(tau) against the solver's orbit, to O(p^2) of the amplitude
    prof = r["profile"](s.tau)
    assert np.max(np.abs(prof - s.autocorrelation)) <= 9 * r["p"] ** 2 * s.variance + 1e-12 * s.variance
    assert s.diagnostics["kappa"] == pytest.approx(r["kappa"], rel=9 * r["p"] ** 2)


@pytest.mark.parametrize("eps", [0.02, 0.03, 0.05])
def test_balanced_expansion_matches_the_solver(eps):
    g = SQ2 + eps
    s = dmft.solve_balanced(g, 1.0, 1.0, 1000)
    assert s.diagnostics.get("method") != "onset-expansion"
    r = ON.balanced_onset(g)
    assert abs(r["lambda_max"] - s.lambda_max) <= r["lambda_max_error"] + s.lambda_max_error
    w_sol = 1.0 - s.asymptote / s.variance
    assert abs(r["w"] - w_sol) <= 2 * r["w_error"]          # analytic next order (5/42) w^2
    # x moves at next order through alpha: (3/7) zeta w^{5/2} + ..., zeta = 0.015
    assert abs(r["x"] - s.diagnostics["x"]) <= 0.05 * r["w"] ** 2.5
    # the sech^2 profile against the solver's orbit, to the next-order size w^2
    prof = r["profile"](s.tau) * s.variance
    assert np.max(np.abs(prof - s.autocorrelation)) <= 2 * r["w"] ** 2 * s.variance


# ---------------------------------------------------------------- the switch

def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*a, **k)


def test_scs_continuity_and_monotonicity_through_the_switch():
    sw = ON.SCS_SWITCH["tanh"]
    g = 1.0 + sw          # adjacent floats: the change of lambda with g itself is ~1e-18
    below = _quiet(dmft.solve_scs, float(np.nextafter(g, 0.0)))
    above = _quiet(dmft.solve_scs, float(np.nextafter(g, 2.0)))
    assert below.diagnostics["method"] == "onset-expansion"
    assert above.diagnostics.get("method") != "onset-expansion"
    assert abs(below.lambda_max - above.lambda_max) <= below.lambda_max_error + above.lambda_max_error
    assert _rel(below.variance, above.variance) <= below.diagnostics["relative_error_estimate"]
    # erf (switch 6e-3): the erf solver's lambda scatters by 1e-7 ... 2e-6 relative (more than its
    # lambda_max_error says), far below the steps of lambda and Delta0 on this grid
    gs = 1.0 + np.array([3e-3, 5e-3, 5.9e-3, 6.1e-3, 7e-3])
    sols = [_quiet(dmft.solve_scs, g, phi="erf") for g in gs]
    assert [s.diagnostics.get("method") == "onset-expansion" for s in sols] == [True] * 3 + [False] * 2
    assert np.all(np.diff([s.lambda_max for s in sols]) > 0)
    assert np.all(np.diff([s.variance for s in sols]) > 0)


def test_balanced_continuity_and_monotonicity_through_the_switch():
    sw = ON.BALANCED_SWITCH
    below = _quiet(dmft.solve_balanced, SQ2 + sw - 1e-10, 1.0, 1.0, 1000)
    above = _quiet(dmft.solve_balanced, SQ2 + sw + 1e-10, 1.0, 1.0, 1000)
    assert below.diagnostics["method"] == "onset-expansion"
    assert above.diagnostics.get("method") != "onset-expansion"
    assert abs(below.lambda_max - above.lambda_max) <= below.lambda_max_error + above.lambda_max_error
    fl = lambda s: s.variance - s.asymptote  # noqa: E731
    assert abs(fl(below) - fl(above)) <= 2 * below.diagnostics["w_error"] * below.variance
    assert below.variance == pytest.approx(above.variance, rel=1e-8)      # regular across
    gs = SQ2 + np.array([1e-3, 0.01, 0.0169, 0.0171, 0.02, 0.03])
    sols = [_quiet(dmft.solve_balanced, g, 1.0, 1.0, 1000) for g in gs]
    assert [s.diagnostics.get("method") == "onset-expansion" for s in sols] == [True] * 3 + [False] * 3
    for attr in (lambda s: s.lambda_max, fl, lambda s: s.variance):
        assert np.all(np.diff([attr(s) for s in sols]) > 0)


def test_between_onset_and_switch_no_longer_raises():
    # the cases: solve_scs(1.0001) and solve_balanced(1.42 / 1.43, 1, 1, 1000) raised
    for g in (1.0 + 1e-12, 1.0 + 1e-6, 1.0001, 1.001, 1.0 + 2.9e-3):
        s = _quiet(dmft.solve_scs, g)
        assert s.chaotic and s.diagnostics["method"] == "onset-expansion"
        assert 0 < s.lambda_max and s.lambda_max_error < 1e-6 * s.lambda_max
        assert s.tau.size == 2001 and np.all(np.isfinite(s.autocorrelation))
        assert s.autocorrelation[0] == s.variance and s.autocorrelation[-1] < 1e-10 * s.variance
    for g in (1.42, 1.43, SQ2 + 1e-9):
        s = _quiet(dmft.solve_balanced, g, 1.0, 1.0, 1000)
        assert s.chaotic and s.diagnostics["method"] == "onset-expansion" and s.lambda_max > 0
        assert s.autocorrelation[0] == pytest.approx(s.variance, rel=1e-15)
        assert s.autocorrelation[-1] == pytest.approx(s.asymptote, rel=1e-12)
    s = dmft.solve_scs(1.001, tau_max=50.0, n_tau=11)       # the requested grid is honoured
    assert s.tau[-1] == 50.0 and s.autocorrelation.size == 11
    # exactly at g_c: the fixed point, lambda = 0
    for s in (dmft.solve_scs(1.0), dmft.solve_balanced(SQ2, 1.0, 1.0, 1000)):
        assert not s.chaotic and s.lambda_max == 0.0


def test_the_front_end_reaches_the_expansion():
    for model in (mf.RandomNetwork(100, 1.0005, seed=1), mf.BalancedNetwork(1000, 1.42, 1.0, 1.0, seed=1)):
        s = _quiet(dmft.lyapunov_max, model)
        assert s.method == "stationary" and s.diagnostics["method"] == "onset-expansion"
        assert s.lambda_max > 0


def test_user_pair_uses_the_expansion_like_the_builtin():
    import numba
    f = numba.njit(lambda x: math.tanh(x))
    df = numba.njit(lambda x: 1.0 / math.cosh(x) ** 2)
    for eps in (1e-4, 5e-3):
        u = _quiet(dmft.solve_scs, 1.0 + eps, phi=(f, df))
        r = ON.scs_onset(nonlinearities.resolve("tanh"), 1.0 + eps)
        assert u.diagnostics["method"] == "onset-expansion"
        # Stein's lemma loses ~1e-16 / v^2 relative in <phi^(5)>, which enters only through p
        assert u.lambda_max == pytest.approx(r["lambda_max"], rel=1e-10)
        assert u.variance == pytest.approx(r["variance"], rel=1e-10)
