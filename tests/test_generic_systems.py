"""The QR Lyapunov engine on generic Flow / Map systems, against published and exact results.

References
----------
[Sprott] J. C. Sprott, *Chaos and Time-Series Analysis* (Oxford UP, 2003), Appendix A
    (and https://sprott.physics.wisc.edu/chaos/lorenzle.htm): Hénon map a = 1.4, b = 0.3:
    lambda = 0.41922, -1.62319 (per iteration); Lorenz sigma = 10, rho = 28, beta = 8/3:
    lambda = 0.9056, 0, -14.5723 (per unit time).
[Newman] C. M. Newman, "The distribution of Lyapunov exponents: exact results for random
    matrices", Commun. Math. Phys. 103, 121 (1986): for products of iid N x N matrices with
    iid N(0, s^2/N) entries, lambda_i = (1/2)[ln(2 s^2/N) + psi((N - i + 1)/2)].

The generic engine runs a Python loop (~100 us per step), so the runs below are short
(T = 2e4 iterations for maps, 2e4 RK4 steps for Lorenz) and the tolerances are tied to the
block standard errors the engine reports.  Every comparison uses ``n_sigma = 4``
standard errors plus an explicitly stated systematic allowance.
"""
import math

import numpy as np
import pytest
from scipy.special import digamma, polygamma

import meanfield as mf

N_SIGMA = 4.0

# ---------------------------------------------------------------- systems

HENON_A, HENON_B = 1.4, 0.3
HENON_REF = np.array([0.41922, -1.62319])            # [Sprott]
# The reference is quoted to 5 decimals (rounding +-5e-6); we allow 5e-5 for the rounding
# and the reference's own (unstated) statistical error.  The engine has no discretisation
# error for a map, so nothing else is systematic.
HENON_ALLOWANCE = 5e-5

L_SIGMA, L_RHO, L_BETA = 10.0, 28.0, 8.0 / 3.0
LORENZ_REF = np.array([0.9056, 0.0, -14.5723])       # [Sprott]
LORENZ_DT = 0.01
# Allowance per exponent: reference rounding (4 decimals, 5e-5) plus the O(dt^4) bias of RK4.
# The RK4 bias of the *sum* of the exponents is measured and predicted below (~1.0e-4 at
# dt = 0.01, carried mostly by the contracting direction); we allow 1e-3 per exponent, ten
# times that, which is still < 5 % of 4 standard errors of these runs.
LORENZ_ALLOWANCE = 5e-5 + 1e-3


def henon_step(x):
    return np.array([1.0 - HENON_A * x[0] ** 2 + x[1], HENON_B * x[0]])


def henon_jac(x):
    return np.array([[-2.0 * HENON_A * x[0], 1.0], [HENON_B, 0.0]])


def lorenz_rhs(t, x):
    return np.array([L_SIGMA * (x[1] - x[0]), x[0] * (L_RHO - x[2]) - x[1], x[0] * x[1] - L_BETA * x[2]])


def lorenz_jac(t, x):
    return np.array([[-L_SIGMA, L_SIGMA, 0.0],
                     [L_RHO - x[2], -1.0, -x[0]],
                     [x[1], x[0], -L_BETA]])


def henon():
    return mf.Map(henon_step, henon_jac, [0.1, 0.1], name="henon")


def lorenz():
    return mf.Flow(lorenz_rhs, lorenz_jac, [1.0, 1.0, 20.0], name="lorenz")


LORENZ_RUN = dict(t_sim=200.0, t_warmup=20.0, t_warmup_tangent=10.0, dt=LORENZ_DT, t_ons=0.1)


@pytest.fixture(scope="module")
def henon_result():
    return mf.lyapunov_spectrum(henon(), t_sim=20000, t_warmup=1000, seed=1, progress=False)


@pytest.fixture(scope="module")
def lorenz_result():
    return mf.lyapunov_spectrum(lorenz(), seed=1, progress=False, **LORENZ_RUN)


def _within(value, ref, se, allowance):
    return np.abs(np.asarray(value) - ref) <= N_SIGMA * np.asarray(se) + allowance


# ---------------------------------------------------------------- Hénon


def test_henon_exponents_match_published_values(henon_result):
    r = henon_result
    assert r.exponents.shape == (2,) and r.stderr.shape == (2,)
    assert np.all(np.isfinite(r.stderr)) and np.all(r.stderr > 0)
    assert r.t_sim == 20000 and r.dt == 1.0 and r.integrator == "map"
    ok = _within(r.exponents, HENON_REF, r.stderr, HENON_ALLOWANCE)
    assert ok.all(), (r.exponents, r.stderr, HENON_REF)
    # the statistical error of a 2e4-iteration run is of order 3e-3: the test has teeth
    assert r.stderr[0] < 0.01


def test_henon_sum_is_ln_abs_det_jacobian_to_round_off(henon_result):
    # |det DF| = b everywhere, and sum_i ln|R_ii| = ln|det(DF Q)| = ln b at every QR step:
    # an exact identity of the method, violated only by round-off.
    total = henon_result.exponents.sum()
    assert total == pytest.approx(math.log(HENON_B), rel=1e-10, abs=0)
    # and per block as well (each block is a sum of the same identity)
    np.testing.assert_allclose(henon_result.block_exponents.sum(axis=1), math.log(HENON_B), rtol=1e-10)


def test_henon_derived_quantities(henon_result):
    r = henon_result
    lam1, lam2 = r.exponents
    assert r.entropy_rate == pytest.approx(lam1, rel=1e-12)
    assert r.dimension == pytest.approx(1.0 + lam1 / abs(lam2), rel=1e-12)
    # published Kaplan-Yorke dimension of the Hénon attractor: 1.2583 [Sprott]
    assert r.dimension == pytest.approx(1.2583, abs=N_SIGMA * r.dimension_stderr + 1e-3)


# ---------------------------------------------------------------- Lorenz


def test_lorenz_exponents_match_published_values(lorenz_result):
    r = lorenz_result
    assert r.exponents.shape == (3,)
    assert np.all(np.isfinite(r.stderr)) and np.all(r.stderr > 0)
    ok = _within(r.exponents, LORENZ_REF, r.stderr, LORENZ_ALLOWANCE)
    assert ok.all(), (r.exponents, r.stderr, LORENZ_REF)
    # the error bars are small enough that the comparison means something
    assert np.all(r.stderr < 0.05)


def _mean_trace_A5(n_steps=20000, n_warm=2000, dt=LORENZ_DT):
    """Time average of tr(A^5) on the Lorenz attractor (RK4 trajectory, numpy)."""
    x = np.array([1.0, 1.0, 20.0])
    xs = np.empty((n_steps, 3))
    for n in range(n_warm + n_steps):
        k1 = lorenz_rhs(0, x)
        k2 = lorenz_rhs(0, x + 0.5 * dt * k1)
        k3 = lorenz_rhs(0, x + 0.5 * dt * k2)
        k4 = lorenz_rhs(0, x + dt * k3)
        x = x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        if n >= n_warm:
            xs[n - n_warm] = x
    A = np.zeros((n_steps, 3, 3))
    A[:, 0, 0], A[:, 0, 1] = -L_SIGMA, L_SIGMA
    A[:, 1, 0], A[:, 1, 1], A[:, 1, 2] = L_RHO - xs[:, 2], -1.0, -xs[:, 0]
    A[:, 2, 0], A[:, 2, 1], A[:, 2, 2] = xs[:, 1], xs[:, 0], -L_BETA
    return np.trace(np.linalg.matrix_power(A, 5), axis1=1, axis2=2).mean()


def test_lorenz_sum_equals_trace_up_to_the_rk4_error(lorenz_result):
    r"""sum lambda_i = <tr A> = -(sigma + 1 + beta) exactly for the flow.

    The engine moves Q with the exact tangent M of the RK4 step, and the sum of the
    exponents is <ln|det M|>/dt exactly (Q is orthonormal).  For a locally constant A,
    M = T4(dt A) with T4 the degree-4 Taylor polynomial of exp, and
    ln det T4(dt A) = dt tr A - dt^5 tr(A^5)/120 + O(dt^6); hence

        sum lambda_i + (sigma + 1 + beta) = -dt^4 <tr A^5>/120 + O(dt^5).

    On the attractor <tr A^5> ~ -1.16e6 (the contracting eigenvalue ~ -22 dominates), so
    the RK4 bias at dt = 0.01 is ~ +9.7e-5, not round-off.  Measured while writing this
    test: +1.02e-4 at dt = 0.01 and +6.2e-6 at dt = 0.005 (ratio 16.5: fourth order), i.e.
    5 % above the leading term at dt = 0.01, 2.5 % at dt = 0.005 (the O(dt^5) correction).
    The tolerance, 20 % of the prediction, covers that 5 % plus the sampling error of
    <tr A^5> from a 200-time-unit trajectory (measured spread ~2 %; 5 % for 50 units).

    What this catches: a tangent of the wrong order (an Euler tangent with the RK4 state
    gives -dt <tr A^2>/2, measured -0.51), a mis-scaled time axis or a lost/duplicated
    step.  What it cannot catch: errors that keep tr A along the step (e.g. evaluating
    all four stage Jacobians at the start of the step changes the deviation by only 2.5 %),
    since tr A is constant for Lorenz.
    """
    deviation = lorenz_result.exponents.sum() + (L_SIGMA + 1.0 + L_BETA)
    predicted = -LORENZ_DT ** 4 * _mean_trace_A5() / 120.0
    assert 5e-5 < predicted < 2e-4, predicted  # sanity of the prediction itself
    assert deviation == pytest.approx(predicted, rel=0.2), (deviation, predicted)


def test_lorenz_history_converges_to_final_estimate(lorenz_result):
    r = lorenz_result
    t, T = r.history_times, r.t_sim
    assert np.all(np.diff(t) > 0) and t[-1] == pytest.approx(T)
    np.testing.assert_allclose(r.history[-1], r.exponents, rtol=1e-12, atol=1e-14)
    dev = np.abs(r.history - r.exponents)
    early, late = dev[t <= 0.1 * T].max(axis=0), dev[t >= 0.9 * T].max(axis=0)
    assert np.all(late < early / 10), (early, late)
    assert np.all(late <= N_SIGMA * r.stderr)


# ---------------------------------------------------------------- Newman's exact result


def _gaussian_product_map(N, sigma, seed):
    rng = np.random.default_rng(seed)

    def jacobian(x):
        return rng.normal(0.0, sigma / math.sqrt(N), size=(N, N))

    return mf.Map(lambda x: x, jacobian, np.zeros(N), name="gaussian-product")


def test_products_of_gaussian_matrices_match_newman():
    N, sigma, T = 8, 1.0, 10000
    i = np.arange(1, N + 1)
    ref = 0.5 * (np.log(2.0 * sigma ** 2 / N) + digamma((N - i + 1) / 2.0))
    r = mf.lyapunov_spectrum(_gaussian_product_map(N, sigma, seed=2024), t_sim=T, t_warmup=0,
                             n_blocks=50, seed=7, progress=False)
    assert r.exponents.shape == (N,)
    ok = _within(r.exponents, ref, r.stderr, 0.0)  # exact result: no allowance
    assert ok.all(), ((r.exponents - ref) / r.stderr, r.exponents, ref)
    # The per-step ln|R_ii| are iid with variance psi'((N - i + 1)/2)/4, so the exact
    # standard error is known; the block estimate (50 blocks: relative sd ~ 0.1) must agree.
    se_exact = np.sqrt(polygamma(1, (N - i + 1) / 2.0) / 4.0 / T)
    ratio = r.stderr / se_exact
    assert np.all((ratio > 0.6) & (ratio < 1.4)), ratio
    # the largest exponent is negative (sigma = 1 < critical), so D_KY = 0 and H = 0
    assert r.entropy_rate == 0.0 and r.dimension == 0.0


# ---------------------------------------------------------------- two-trajectory check


def test_two_trajectory_agrees_with_qr_for_henon(henon_result):
    m = mf.lyapunov_max(henon(), t_sim=20000, t_warmup=1000, seed=3, progress=False)
    assert m.method == "two-trajectory" and m.lambda_max_error > 0
    combined = math.hypot(m.lambda_max_error, henon_result.stderr[0])
    assert abs(m.lambda_max - henon_result.exponents[0]) <= N_SIGMA * combined, (m.lambda_max, combined)
    assert abs(m.lambda_max - HENON_REF[0]) <= N_SIGMA * m.lambda_max_error + HENON_ALLOWANCE


def test_two_trajectory_agrees_with_qr_for_lorenz(lorenz_result):
    m = mf.lyapunov_max(lorenz(), t_sim=200.0, t_warmup=20.0, t_ons=0.1, dt=LORENZ_DT, seed=3,
                        progress=False)
    assert m.dt == LORENZ_DT and m.t_sim == pytest.approx(200.0)
    combined = math.hypot(m.lambda_max_error, lorenz_result.stderr[0])
    assert abs(m.lambda_max - lorenz_result.exponents[0]) <= N_SIGMA * combined, (m.lambda_max, combined)


def test_qr_method_of_lyapunov_max_equals_first_exponent():
    a = mf.lyapunov_max(henon(), method="qr", t_sim=2000, t_warmup=100, seed=5, progress=False)
    b = mf.lyapunov_spectrum(henon(), 1, t_sim=2000, t_warmup=100, seed=5, progress=False)
    assert a.lambda_max == b.exponents[0] and a.lambda_max_error == b.stderr[0]


# ---------------------------------------------------------------- Flow / Map contract


def _ok_lorenz_args():
    return lorenz_rhs, lorenz_jac, [1.0, 1.0, 20.0]


@pytest.mark.parametrize("bad,which", [(5, "rhs"), ("f", "rhs"), (None, "rhs")])
def test_flow_rejects_non_callable_rhs(bad, which):
    with pytest.raises(TypeError, match=which):
        mf.Flow(bad, lorenz_jac, [1.0, 1.0, 20.0])


@pytest.mark.parametrize("bad", [5, np.eye(3), None])
def test_flow_and_map_reject_non_callable_jacobian(bad):
    with pytest.raises(TypeError, match="jacobian"):
        mf.Flow(lorenz_rhs, bad, [1.0, 1.0, 20.0])
    with pytest.raises(TypeError, match="jacobian"):
        mf.Map(henon_step, bad, [0.1, 0.1])


def test_map_rejects_non_callable_step():
    with pytest.raises(TypeError, match="step"):
        mf.Map([1.0, 2.0], henon_jac, [0.1, 0.1])


@pytest.mark.parametrize("x0", [[[1.0, 1.0, 20.0]], [], 3.0, [1.0, np.nan, 20.0], [1.0, np.inf, 2.0]],
                         ids=["2d", "empty", "scalar", "nan", "inf"])
def test_flow_and_map_reject_bad_x0(x0):
    with pytest.raises(ValueError, match="x0"):
        mf.Flow(lorenz_rhs, lorenz_jac, x0)
    with pytest.raises(ValueError, match="x0"):
        mf.Map(lambda x: x, lambda x: np.eye(np.size(x)), x0)


def test_flow_rejects_rhs_and_jacobian_of_wrong_shape():
    with pytest.raises(ValueError, match="rhs"):
        mf.Flow(lambda t, x: np.zeros(2), lorenz_jac, [1.0, 1.0, 20.0])
    with pytest.raises(ValueError, match="rhs"):
        mf.Flow(lambda t, x: np.zeros((3, 1)), lorenz_jac, [1.0, 1.0, 20.0])
    with pytest.raises(ValueError, match="jacobian"):
        mf.Flow(lorenz_rhs, lambda t, x: np.eye(2), [1.0, 1.0, 20.0])
    with pytest.raises(ValueError, match="jacobian"):
        mf.Flow(lorenz_rhs, lambda t, x: np.zeros(3), [1.0, 1.0, 20.0])


def test_map_rejects_step_of_wrong_shape():
    with pytest.raises(ValueError, match="step"):
        mf.Map(lambda x: np.zeros(3), henon_jac, [0.1, 0.1])


def test_map_jacobian_of_wrong_shape_is_rejected_by_the_time_it_is_used():
    # Map does not evaluate the jacobian at construction (Flow does); either place is fine.
    with pytest.raises(ValueError, match="jacobian"):
        m = mf.Map(henon_step, lambda x: np.eye(3), [0.1, 0.1])
        mf.lyapunov_spectrum(m, t_sim=10, t_warmup=0, n_blocks=2, progress=False)


def test_jacobian_changing_shape_during_the_run_is_caught():
    calls = {"n": 0}

    def jac(t, x):
        calls["n"] += 1
        return lorenz_jac(t, x) if calls["n"] < 20 else np.eye(2)

    f = mf.Flow(lorenz_rhs, jac, [1.0, 1.0, 20.0])
    with pytest.raises(ValueError, match="jacobian"):
        mf.lyapunov_spectrum(f, t_sim=1.0, t_warmup=0.0, t_ons=0.1, dt=0.01, n_blocks=2, progress=False)


def test_generic_engine_rejects_bad_method_and_dt():
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_spectrum(lorenz(), integrator="leapfrog", t_sim=1.0, dt=0.01, progress=False)
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(lorenz(), dt=-0.01, t_sim=1.0, progress=False)
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(henon(), dt=0.5, t_sim=100, progress=False)
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_spectrum(henon(), integrator="rk4", t_sim=100, progress=False)
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_max(lorenz(), integrator="leapfrog", t_sim=1.0, dt=0.01, progress=False)


@pytest.mark.parametrize("func", [mf.lyapunov_spectrum, mf.lyapunov_max])
@pytest.mark.parametrize("x0", [[1.0, 2.0], [[1.0, 1.0, 20.0]], [1.0, np.nan, 20.0]],
                         ids=["short", "2d", "nan"])
def test_generic_engines_reject_bad_x0_override(func, x0):
    # The x0 argument of lyapunov_spectrum / lyapunov_max must be validated like Flow's x0:
    # shape (n,) and finite, with a ValueError naming x0 (not a broadcasting error, an
    # IndexError from the user's rhs, or a SimulationBlowUp about "overflow").
    with pytest.raises(ValueError, match="x0"):
        func(lorenz(), x0=x0, t_sim=1.0, t_warmup=0.0, t_ons=0.1, dt=0.01, n_blocks=2, progress=False)


# ---------------------------------------------------------------- results


def test_lyapunov_result_save_load_round_trip(henon_result, tmp_path):
    r = henon_result
    path = r.save(tmp_path / "henon.npz")
    s = mf.LyapunovResult.load(path)
    for name in ("exponents", "stderr", "history", "history_times", "block_exponents",
                 "participation_ratio"):
        a, b = getattr(r, name), getattr(s, name)
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name
    assert s.parameters == r.parameters
    assert s.system == r.system
    assert s.versions == r.versions
    for name in ("entropy_rate", "entropy_rate_stderr", "dimension", "dimension_stderr",
                 "entropy_rate_per_N", "dimension_per_N", "condition_max", "mean_log_condition",
                 "N", "t_sim", "t_ons", "dt", "method", "seed"):
        assert getattr(s, name) == getattr(r, name), name
    with pytest.raises(ValueError, match="LyapunovMaxResult"):
        mf.LyapunovMaxResult.load(path)


def test_lyapunov_max_result_save_load_round_trip(tmp_path):
    m = mf.lyapunov_max(henon(), t_sim=500, t_warmup=100, seed=3, progress=False)
    s = mf.LyapunovMaxResult.load(m.save(tmp_path / "max.npz"))
    assert s.lambda_max == m.lambda_max and s.lambda_max_error == m.lambda_max_error
    assert np.array_equal(s.history, m.history) and np.array_equal(s.block_estimates, m.block_estimates)
    assert s.parameters == m.parameters and s.system == m.system


def test_henon_history_rows_converge_to_final_estimate(henon_result):
    r = henon_result
    t, T = r.history_times, r.t_sim
    assert r.history.shape == (t.size, 2)
    assert np.all(np.diff(t) > 0) and t[-1] == T
    # the last row is the final estimate (same running sum)
    np.testing.assert_allclose(r.history[-1], r.exponents, rtol=1e-12)
    # S_t/t - S_T/T has standard deviation sd * sqrt((T - t)/(T t)) <= SE for t >= T/2
    late = t >= T / 2
    assert np.all(np.abs(r.history[late] - r.exponents) <= N_SIGMA * r.stderr)
    dev = np.abs(r.history - r.exponents)
    assert np.all(dev[t >= 0.9 * T].max(axis=0) < dev[t <= 0.1 * T].max(axis=0))


# ---------------------------------------------------------------- derived quantities


@pytest.mark.parametrize("spectrum,D,H", [
    ([1.0, 0.0, -2.0], 2.5, 1.0),
    ([-2.0, 0.0, 1.0], 2.5, 1.0),            # order of the input does not matter
    ([2.0, -1.0, -3.0], 2.0 + 1.0 / 3.0, 2.0),
    ([0.0, -1.0], 1.0, 0.0),                 # a limit cycle
    ([-0.1, -1.0, -2.0], 0.0, 0.0),          # all negative: a fixed point
    ([-1.0], 0.0, 0.0),
])
def test_kaplan_yorke_and_entropy_rate_by_hand(spectrum, D, H):
    assert mf.kaplan_yorke(spectrum) == pytest.approx(D, rel=1e-14, abs=1e-15)
    assert mf.entropy_rate(spectrum) == pytest.approx(H, rel=1e-14, abs=0)


@pytest.mark.parametrize("spectrum", [
    [1.0, 0.5, -0.2], [1.0, -0.5], [0.3],
    [0.5, 0.5, -1.0],  # sums to exactly 0: documented as None (the crossing may lie beyond)
])
def test_kaplan_yorke_is_none_for_a_partial_spectrum_with_positive_sum(spectrum):
    assert mf.kaplan_yorke(spectrum) is None
    assert mf.entropy_rate(spectrum) == pytest.approx(sum(v for v in spectrum if v > 0))


def test_entropy_rate_of_all_negative_spectrum_is_zero():
    assert mf.entropy_rate([-0.1, -3.0]) == 0.0
    assert mf.entropy_rate(np.array([])) == 0.0


def test_flow_accepts_numba_compiled_functions():
    from numba import njit

    @njit
    def rhs(t, x):
        return np.array([L_SIGMA * (x[1] - x[0]), x[0] * (L_RHO - x[2]) - x[1], x[0] * x[1] - L_BETA * x[2]])

    @njit
    def jac(t, x):
        return np.array([[-L_SIGMA, L_SIGMA, 0.0], [L_RHO - x[2], -1.0, -x[0]], [x[1], x[0], -L_BETA]])

    kw = dict(t_sim=20.0, t_warmup=5.0, dt=LORENZ_DT, n_blocks=2, seed=1, progress=False)
    a = mf.lyapunov_spectrum(mf.Flow(rhs, jac, [1.0, 1.0, 1.0]), **kw)
    b = mf.lyapunov_spectrum(mf.Flow(lorenz_rhs, lorenz_jac, [1.0, 1.0, 1.0]), **kw)
    np.testing.assert_allclose(a.exponents, b.exponents, rtol=1e-9, atol=1e-9)
