"""Simulation against analytic solutions, exact fixed points and integrator orders."""
import math
import warnings

import numpy as np
import pytest
from scipy.linalg import expm

import meanfield as mf


def _linear_exact(net, x0, t):
    A = net.J - np.eye(net.N)
    return expm(A * t) @ x0


@pytest.mark.parametrize("method,order", [("euler", 1), ("rk4", 4)])
def test_linear_network_matches_matrix_exponential_with_the_method_order(method, order):
    net = mf.RandomNetwork(20, g=0.8, phi="linear", seed=4)
    x0 = np.random.default_rng(0).standard_normal(20)
    errs = []
    for dt in (0.1, 0.05):
        r = mf.simulate(net, 4.0, dt=dt, integrator=method, record="all", x0=x0, progress=False)
        assert r.times[-1] == pytest.approx(4.0)
        errs.append(np.abs(r.final_state - _linear_exact(net, x0, 4.0)).max())
    observed = math.log2(errs[0] / errs[1])
    assert abs(observed - order) < 0.25, (errs, observed)
    # and the recorded trace is the state at each recorded time
    np.testing.assert_allclose(r.h[:, -1], r.final_state, rtol=0, atol=0)


def test_rk4_tanh_network_matches_solve_ivp():
    from scipy.integrate import solve_ivp
    net = mf.RandomNetwork(30, g=1.5, seed=7, input=mf.SineInput(0.5, 0.3, "independent"))
    x0 = np.random.default_rng(1).standard_normal(30)
    r = mf.simulate(net, 5.0, dt=0.01, integrator="rk4", record="all", x0=x0, progress=False)
    ref = solve_ivp(net.rhs, (0, 5.0), x0, rtol=1e-12, atol=1e-12, method="DOP853").y[:, -1]
    # RK4 global error at dt = 0.01 is ~1e-9 here
    np.testing.assert_allclose(r.final_state, ref, atol=1e-8)


def test_discrete_map_iterates_exactly():
    net = mf.RandomNetwork(25, g=1.3, time="discrete", leak=0.5, seed=2)
    x0 = np.random.default_rng(3).standard_normal(25)
    r = mf.simulate(net, 40, record="all", x0=x0, progress=False)
    h = x0.copy()
    for t in range(40):
        h = net.step(h, t)
        np.testing.assert_allclose(r.h[:, t + 1], h, rtol=1e-12, atol=1e-13)
    assert np.array_equal(r.times, np.arange(41.0))


@pytest.mark.parametrize("connectivity", ["dense", "sparse"])
def test_balanced_network_without_disorder_reaches_the_balanced_fixed_point(connectivity):
    # g = 0: every unit gets -J0 sqrt(K) nu + sqrt(K) I0, so h* = sqrt(K) I0 / (1 + sqrt(K) J0).
    N, K, J0, I0 = 400, 100, 1.0, 1.0
    net = mf.BalancedNetwork(N, g=0.0, J0=J0, I0=I0, K=K, connectivity=connectivity, seed=1)
    r = mf.simulate(net, 30.0, dt=0.05, record=5, x0=np.full(N, 0.3), progress=False)
    h_star = math.sqrt(K) * I0 / (1 + math.sqrt(K) * J0)
    np.testing.assert_allclose(r.final_state, h_star, rtol=1e-10)
    assert r.mean_rate[-1] == pytest.approx(h_star, rel=1e-10)
    # the drive is sqrt(K) I0 and the balanced rate tends to I0/J0 as K grows
    assert r.external_input[-1] == pytest.approx(math.sqrt(K) * I0)


def test_balanced_coupling_mean_and_variance():
    net = mf.BalancedNetwork(500, g=2.0, J0=1.0, I0=1.0, seed=5)
    J = net.J
    assert J.mean() == pytest.approx(-1.0 / math.sqrt(500), rel=0.05)
    assert J.std() * math.sqrt(500) == pytest.approx(2.0, rel=0.01)


def test_random_network_coupling_statistics_and_reproducibility():
    a = mf.RandomNetwork(400, 1.7, seed=11)
    b = mf.RandomNetwork(400, 1.7, seed=11)
    assert np.array_equal(a.J, b.J)
    assert np.all(np.diag(a.J) == 0)
    off = a.J[~np.eye(400, dtype=bool)]
    assert off.std() * math.sqrt(400) == pytest.approx(1.7, rel=0.01)
    c = mf.RandomNetwork(400, 1.7, self_coupling=True, seed=11)
    assert np.all(np.diag(c.J) != 0)
    assert not np.array_equal(mf.RandomNetwork(400, 1.7, seed=12).J, a.J)


def test_same_seed_gives_bit_identical_simulation_and_none_records_the_seed():
    net = mf.RandomNetwork(50, 2.0, seed=1, input=mf.OUInput(0.5, 2.0, 0.3))
    a = mf.simulate(net, 20.0, seed=9, progress=False)
    b = mf.simulate(net, 20.0, seed=9, progress=False)
    assert np.array_equal(a.h, b.h) and np.array_equal(a.final_state, b.final_state)
    c = mf.simulate(net, 20.0, seed=None, progress=False)
    d = mf.simulate(net, 20.0, seed=c.seed, progress=False)
    assert np.array_equal(c.h, d.h)


def test_common_sine_input_enters_every_unit_and_independent_averages_out():
    f, A = 0.2, 0.7
    common = mf.RandomNetwork(2000, 0.0, input=mf.SineInput(A, f, "common"), seed=1)
    t = 1.3
    np.testing.assert_allclose(common.external_input(t), A * math.sin(2 * math.pi * f * t), rtol=1e-14)
    indep = mf.RandomNetwork(2000, 0.0, input=mf.SineInput(A, f, "independent"), seed=1)
    I = indep.external_input(t)  # noqa: E741
    assert I.std() == pytest.approx(A / math.sqrt(2), rel=0.05)
    assert abs(I.mean()) < 4 * A / math.sqrt(2 * 2000)
    # partial correlation c: exact temporal covariances over whole periods
    c = 0.4
    part = mf.RandomNetwork(50, 0.0, input=mf.SineInput(A, f, c), seed=3)
    ts = np.arange(0, 500, 0.1)  # 100 periods, uniform sampling: exact averages
    X = np.array([part.external_input(s) for s in ts])
    cos_t, sin_t = part.input_arrays()[1]
    C = np.cov(X.T, bias=True)
    a, b = math.sqrt(c), math.sqrt(1 - c)
    cos_diff = np.cos(np.arctan2(sin_t, cos_t)[:, None] - np.arctan2(sin_t, cos_t)[None, :])
    expected = A * A / 2 * (a * a + a * b * (cos_t[:, None] + cos_t[None, :]) + b * b * cos_diff)
    np.testing.assert_allclose(C, expected, atol=1e-10)
    off = ~np.eye(50, dtype=bool)
    assert C[off].mean() == pytest.approx(c * A * A / 2, abs=0.25 * A * A / 2)


def test_ou_input_statistics():
    # g = 0 and phi linear: h is a low-pass of the input; test the input itself
    # through the recorded population-mean external input with common OU.
    std, tau = 0.8, 2.0
    net = mf.RandomNetwork(10, 0.0, phi="linear", input=mf.OUInput(std, tau, "common"), seed=1)
    r = mf.simulate(net, 20000.0, dt=0.1, integrator="euler", record=1, seed=3, progress=False)
    x = r.external_input
    n_eff = x.size * 0.1 / (2 * tau)
    assert x.var() == pytest.approx(std ** 2, abs=5 * std ** 2 * math.sqrt(2 / n_eff))
    lag = int(tau / 0.1)
    rho = np.corrcoef(x[:-lag], x[lag:])[0, 1]
    assert rho == pytest.approx(math.exp(-1.0), abs=5 * math.sqrt(2 / n_eff))


def test_jacobian_matches_finite_differences():
    for net in (mf.RandomNetwork(15, 1.5, phi="erf", seed=1),
                mf.RandomNetwork(15, 1.5, time="discrete", leak=0.3, seed=2)):
        h = np.random.default_rng(0).standard_normal(15)
        f = (lambda x: net.rhs(0.0, x)) if net.time == "continuous" else net.step
        eps = 1e-6
        fd = np.column_stack([(f(h + eps * e) - f(h - eps * e)) / (2 * eps) for e in np.eye(15)])
        np.testing.assert_allclose(net.jacobian(h), fd, atol=1e-8)


def test_tanh_derivative_does_not_underflow_to_wrong_values():
    net = mf.RandomNetwork(3, 1.0, seed=0)
    d = net.nonlinearity.derivative(np.array([0.0, 20.0, 400.0]))
    assert d[0] == 1.0
    assert d[1] == pytest.approx(4.0 * math.exp(-40.0), rel=1e-12)  # 1 - tanh^2 would give 0
    assert d[2] == 0.0


def test_user_nonlinearity_pair_runs_in_the_kernels():
    from numba import njit

    @njit
    def soft(x):
        return x / (1.0 + abs(x))

    @njit
    def dsoft(x):
        return 1.0 / (1.0 + abs(x)) ** 2

    net = mf.RandomNetwork(20, 1.5, phi=(soft, dsoft), seed=1)
    x0 = np.random.default_rng(0).standard_normal(20)
    r = mf.simulate(net, 3.0, dt=0.1, record="all", x0=x0, progress=False)
    h = x0.copy()
    for _ in range(30):  # numpy RK4 reference
        k1 = net.rhs(0, h)
        k2 = net.rhs(0, h + 0.05 * k1)
        k3 = net.rhs(0, h + 0.05 * k2)
        k4 = net.rhs(0, h + 0.1 * k3)
        h = h + 0.1 / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    np.testing.assert_allclose(r.final_state, h, rtol=1e-12, atol=1e-12)


def test_simulation_result_save_load_roundtrip(tmp_path):
    net = mf.BalancedNetwork(40, 2.0, 1.0, 1.0, input=mf.SineInput(0.3, 0.2), seed=1)
    r = mf.simulate(net, 5.0, seed=2, progress=False)
    p = r.save(tmp_path / "sim.npz")
    s = mf.SimulationResult.load(p)
    assert np.array_equal(s.h, r.h) and s.model == r.model and s.seed == r.seed
    assert s.versions["meanfield"] == mf.__version__


def test_unstable_step_of_the_balanced_mean_mode_warns():
    # mean-mode rate 1 + J0 sqrt(K) <phi'> ~ 36 here: Euler needs dt < ~0.055
    net = mf.BalancedNetwork(400, 2.0, 5.0, 1.0, seed=3)
    assert net.mean_mode_rate(np.ones(400)) == pytest.approx(1 + 5.0 * 20.0)
    # the step-doubling check (issue 11) fires as well: both are StepSizeWarnings (RuntimeWarnings)
    with pytest.warns(mf.StepSizeWarning) as rec:
        mf.simulate(net, t_max=20, dt=0.1, integrator="euler", seed=1, progress=False)
    msgs = [str(w.message) for w in rec]
    assert any("stability interval of the population-mean mode" in m for m in msgs)
    assert any("relative local error of a step" in m for m in msgs)
    with pytest.warns(RuntimeWarning) as rec:
        mf.lyapunov_max(net, t_sim=20, t_warmup=5, dt=0.1, integrator="euler", seed=1, progress=False)
    assert any("dt < " in str(w.message) for w in rec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mf.simulate(net, t_max=20, dt=0.01, integrator="euler", seed=1, progress=False)
