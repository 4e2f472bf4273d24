"""Exact identities of the QR engine on network models."""
import math
import warnings

import numpy as np
import pytest

import meanfield as mf
from meanfield import lyapunov as lyap_mod


def _rk4_poly(z):
    return 1 + z + z ** 2 / 2 + z ** 3 / 6 + z ** 4 / 24


@pytest.mark.parametrize("time,leak,method,T", [
    ("discrete", 1.0, None, 4000), ("discrete", 0.4, None, 4000),
    ("continuous", 1.0, "euler", 400.0), ("continuous", 1.0, "rk4", 400.0)])
def test_linear_network_exponents_are_logs_of_the_step_eigenvalues(time, leak, method, T):
    """Constant tangent map M: lambda_i = ln|mu_i(M)| / dt, with M's eigenvalues known exactly."""
    net = mf.RandomNetwork(20, 0.9, phi="linear", time=time, leak=leak, seed=3)
    dt = 0.1
    r = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=20 if time == "continuous" else 200,
                             dt=None if time == "discrete" else dt, integrator=method, seed=1, progress=False)
    mu = np.linalg.eigvals(net.J)
    if time == "discrete":
        ref = np.log(np.abs(1 - leak + leak * mu))
    elif method == "euler":
        ref = np.log(np.abs(1 + dt * (mu - 1))) / dt
    else:
        ref = np.log(np.abs(_rk4_poly(dt * (mu - 1)))) / dt
    ref = np.sort(ref)[::-1]
    # QR estimates of a constant map converge like 1/T (basis transient; complex
    # pairs oscillate within the pair): measured max error * T ~ 0.2 - 1.2 here.
    np.testing.assert_allclose(r.exponents, ref, atol=5.0 / T)
    # the sum is exact: prod |R_ii| = |det M|^n
    assert r.exponents.sum() == pytest.approx(ref.sum(), abs=1e-10)


def _euler_logdet(net, H, dt):
    out = []
    for h in H:
        D = (1 - dt) * np.eye(net.N) + dt * net.J * net.nonlinearity.derivative(h)[None, :]
        out.append(np.linalg.slogdet(D)[1])
    return np.array(out)


def _rk4_tangent(net, h, t, dt):
    """Exact tangent of one RK4 step, built independently with numpy."""
    I = np.eye(net.N)  # noqa: E741
    A = lambda x: net.jacobian(x)  # noqa: E731
    f = net.rhs
    k1 = f(t, h)
    x2 = h + dt / 2 * k1
    k2 = f(t + dt / 2, x2)
    x3 = h + dt / 2 * k2
    k3 = f(t + dt / 2, x3)
    x4 = h + dt * k3
    K1 = A(h)
    K2 = A(x2) @ (I + dt / 2 * K1)
    K3 = A(x3) @ (I + dt / 2 * K2)
    K4 = A(x4) @ (I + dt * K3)
    return I + dt / 6 * (K1 + 2 * K2 + 2 * K3 + K4)


@pytest.mark.parametrize("method", ["euler", "rk4"])
@pytest.mark.parametrize("inp", [None, mf.SineInput(0.8, 0.25, 0.5)])
def test_sum_of_exponents_equals_mean_log_det_of_the_step_jacobian(method, inp):
    net = mf.RandomNetwork(24, 2.0, seed=5, input=inp)
    dt, T = 0.1, 30.0
    x0 = np.random.default_rng(2).standard_normal(24)
    r = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=0, dt=dt, integrator=method,
                             n_blocks=3, x0=x0, seed=1, progress=False)
    s = mf.simulate(net, T, dt=dt, integrator=method, record="all", x0=x0, progress=False)
    H = s.h.T[:-1]
    if method == "euler":
        logdet = _euler_logdet(net, H, dt)
    else:
        logdet = np.array([np.linalg.slogdet(_rk4_tangent(net, h, t, dt))[1]
                           for h, t in zip(H, s.times[:-1])])
    assert r.exponents.sum() == pytest.approx(logdet.sum() / T, abs=1e-9)


def test_sum_identity_for_discrete_time_and_balanced_network_with_ou_input():
    net = mf.RandomNetwork(20, 1.8, time="discrete", leak=0.7, seed=2)
    x0 = np.random.default_rng(1).standard_normal(20)
    r = mf.lyapunov_spectrum(net, t_sim=60, t_warmup=0, t_warmup_tangent=0, n_blocks=3, x0=x0,
                             seed=1, progress=False)
    s = mf.simulate(net, 60, record="all", x0=x0, progress=False)
    ld = [np.linalg.slogdet(net.jacobian(h))[1] for h in s.h.T[:-1]]
    assert r.exponents.sum() == pytest.approx(np.sum(ld) / 60, abs=1e-9)
    # OU-driven balanced network: the noise stream is the same in both runs (same seed)
    bal = mf.BalancedNetwork(30, 2.0, 1.0, 1.0, input=mf.OUInput(0.5, 1.0, 0.5), seed=4)
    x0 = np.abs(np.random.default_rng(1).standard_normal(30))
    r = mf.lyapunov_spectrum(bal, t_sim=20.0, t_warmup=0, t_warmup_tangent=0, dt=0.05, integrator="euler",
                             n_blocks=2, x0=x0, seed=8, progress=False)
    s = mf.simulate(bal, 20.0, dt=0.05, integrator="euler", record="all", x0=x0, seed=8, progress=False)
    ld = _euler_logdet(bal, s.h.T[:-1], 0.05)
    assert r.exponents.sum() == pytest.approx(ld.sum() / 20.0, abs=1e-9)


def test_mean_exponent_is_minus_one_without_self_coupling():
    net = mf.RandomNetwork(60, 2.0, seed=1)
    r = mf.lyapunov_spectrum(net, t_sim=100, t_warmup=50, dt=0.05, seed=1, progress=False)
    # flow: trace A = -N exactly; RK4's tangent determinant differs by O(dt^4)
    assert r.exponents.mean() == pytest.approx(-1.0, abs=1e-6)


def test_network_kernel_equals_generic_engine_on_the_same_flow():
    net = mf.RandomNetwork(16, 2.0, seed=3, input=mf.SineInput(0.5, 0.1, "independent"))
    x0 = np.random.default_rng(0).standard_normal(16)
    flow = mf.Flow(net.rhs, lambda t, x: net.jacobian(x, t), x0, name="tanh net")
    kw = dict(t_sim=20.0, t_warmup=5.0, t_warmup_tangent=2.0, dt=0.1, n_blocks=2, seed=4, progress=False)
    for method in ("euler", "rk4"):
        a = mf.lyapunov_spectrum(net, integrator=method, x0=x0, **kw)
        b = mf.lyapunov_spectrum(flow, integrator=method, **kw)
        np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-9)


def test_leading_k_equals_first_k_of_full_run():
    net = mf.RandomNetwork(40, 2.0, seed=1)
    kw = dict(t_sim=200, t_warmup=20, seed=3, progress=False)
    full = mf.lyapunov_spectrum(net, **kw)
    part = mf.lyapunov_spectrum(net, 7, **kw)
    np.testing.assert_allclose(part.exponents, full.exponents[:7], rtol=0, atol=1e-12)
    np.testing.assert_allclose(part.stderr, full.stderr[:7], rtol=1e-9, atol=1e-13)


def test_same_seed_is_bit_identical_and_seed_none_is_recorded():
    net = mf.RandomNetwork(30, 2.0, seed=1, input=mf.OUInput(0.3, 1.0, "independent"))
    kw = dict(t_sim=50, t_warmup=10, progress=False)
    a = mf.lyapunov_spectrum(net, 5, seed=7, **kw)
    b = mf.lyapunov_spectrum(net, 5, seed=7, **kw)
    assert np.array_equal(a.exponents, b.exponents) and np.array_equal(a.history, b.history)
    c = mf.lyapunov_spectrum(net, 5, seed=None, **kw)
    d = mf.lyapunov_spectrum(net, 5, seed=c.seed, **kw)
    assert np.array_equal(c.exponents, d.exponents)


def test_spectrum_is_descending_within_errors_and_derived_quantities_consistent():
    net = mf.RandomNetwork(80, 2.0, seed=2)
    r = mf.lyapunov_spectrum(net, t_sim=300, t_warmup=50, seed=1, progress=False)
    d = np.diff(r.exponents)
    assert np.all(d <= 3 * (r.stderr[1:] + r.stderr[:-1]))
    assert r.entropy_rate == pytest.approx(r.exponents[r.exponents > 0].sum())
    assert r.dimension == pytest.approx(mf.kaplan_yorke(r.exponents))
    assert r.dimension_per_N == pytest.approx(r.dimension / 80)
    assert r.entropy_rate_per_N == pytest.approx(r.entropy_rate / 80)
    assert 0 < r.dimension < 80 and r.entropy_rate_stderr > 0
    assert np.all((r.participation_ratio >= 1) & (r.participation_ratio <= 80))
    np.testing.assert_allclose(r.history[-1], r.exponents, rtol=1e-12)
    np.testing.assert_allclose(r.block_exponents.mean(axis=0), r.exponents, rtol=1e-10, atol=1e-12)


def test_two_trajectory_lambda_max_agrees_with_qr():
    # seed 5 is a chaotic realisation (at N = 100, g = 2 some realisations settle on a fixed point)
    net = mf.RandomNetwork(100, 2.0, seed=5)
    kw = dict(t_sim=600, t_warmup=100, seed=5, progress=False)
    qr = mf.lyapunov_max(net, method="qr", **kw)
    tt = mf.lyapunov_max(net, method="two-trajectory", **kw)
    assert qr.lambda_max > 0
    se = math.hypot(qr.lambda_max_error, tt.lambda_max_error)
    assert abs(qr.lambda_max - tt.lambda_max) < 4 * se + 0.005


def test_checkpoint_resume_equals_uninterrupted_run(tmp_path, monkeypatch):
    net = mf.RandomNetwork(30, 2.0, seed=1, input=mf.OUInput(0.4, 2.0, 0.5))
    kw = dict(n_exponents=6, t_sim=200, t_warmup=20, t_warmup_tangent=10, seed=3, progress=False)
    ref = mf.lyapunov_spectrum(net, **kw)
    path = tmp_path / "ckpt.npz"

    class Stop(Exception):
        pass

    real_bar = mf._engine.progress_bar

    class Bar:
        def __init__(self, *a, **k):
            self.calls = 0

        def update(self, n):
            self.calls += 1
            if self.calls == 260:  # inside the accumulation phase
                raise Stop

        def close(self):
            pass

    monkeypatch.setattr(mf._engine, "progress_bar", Bar)
    with pytest.raises(Stop):
        mf.lyapunov_spectrum(net, checkpoint=path, checkpoint_every=0.0, **kw)
    assert path.exists()
    monkeypatch.setattr(mf._engine, "progress_bar", real_bar)
    res = mf.lyapunov_spectrum(net, checkpoint=path, checkpoint_every=0.0, **kw)
    assert np.array_equal(res.exponents, ref.exponents)
    assert np.array_equal(res.history, ref.history) and np.array_equal(res.stderr, ref.stderr)
    # the step-size checks made before the interruption are carried over: same statistics as one run
    assert res.diagnostics["step_checks"] == ref.diagnostics["step_checks"]
    assert res.diagnostics["step_error"] == ref.diagnostics["step_error"]
    # a checkpoint of other parameters is refused
    with pytest.raises(ValueError, match="checkpoint"):
        mf.lyapunov_spectrum(net, checkpoint=path, **dict(kw, seed=4))


def test_condition_number_warning_for_too_long_t_ons():
    net = mf.RandomNetwork(20, 0.5, phi="linear", time="discrete", seed=1)
    with pytest.warns(RuntimeWarning, match="t_ons"):
        r = mf.lyapunov_spectrum(net, t_sim=400, t_warmup=0, t_ons=40, seed=1, progress=False)
    assert r.condition_max > lyap_mod.COND_WARN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mf.lyapunov_spectrum(net, t_sim=400, t_warmup=0, t_ons=1, seed=1, progress=False)


def test_lyapunov_result_save_load(tmp_path):
    net = mf.BalancedNetwork(40, 2.0, 1.0, 1.0, seed=2)
    r = mf.lyapunov_spectrum(net, 10, t_sim=50, t_warmup=10, seed=1, progress=False)
    p = r.save(tmp_path / "l.npz")
    s = mf.LyapunovResult.load(p)
    assert np.array_equal(s.exponents, r.exponents) and s.parameters == r.parameters
    assert s.system == r.system and s.dimension == r.dimension
