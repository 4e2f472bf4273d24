"""Step-size safety (issue 11): step doubling on a sample of steps warns with the largest safe dt;
a sinusoidal input needs at least 8 steps per period.

The estimate is tested against exact local errors of linear flows; the issue's examples must warn,
sane settings must not (the whole suite also turns StepSizeWarning into an error, setup.cfg), and
the checks must leave every result bit for bit unchanged.
"""
import math
import warnings

import numpy as np
import pytest

import meanfield as mf
from meanfield import _engine


def _rk4_factor(z):
    return 1 + z + z ** 2 / 2 + z ** 3 / 6 + z ** 4 / 24


def _decay(rate=1.0):
    return mf.Flow(lambda t, x: -rate * x, lambda t, x: -rate * np.eye(1), [1.0], name="decay")


def _lorenz():
    def f(t, x):
        return np.array([10 * (x[1] - x[0]), x[0] * (28 - x[2]) - x[1], x[0] * x[1] - 8 / 3 * x[2]])

    def jac(t, x):
        return np.array([[-10, 10, 0], [28 - x[2], -1, -x[0]], [x[1], x[0], -8 / 3]])
    return mf.Flow(f, jac, [1.0, 1.0, 1.0], name="lorenz")


@pytest.mark.parametrize("integrator,dt", [("rk4", 0.2), ("rk4", 0.05), ("euler", 0.02), ("euler", 0.005)])
def test_step_doubling_estimates_the_exact_local_error_of_a_linear_flow(integrator, dt):
    # x' = -x: one step multiplies by R(-dt) (RK4 polynomial / 1 - dt), the flow by exp(-dt); the
    # Richardson estimate must approach the exact relative local error as dt -> 0 (relative O(dt)).
    R = _rk4_factor if integrator == "rk4" else (lambda z: 1 + z)
    y_full, y_half = np.array([R(-dt)]), np.array([R(-dt / 2) ** 2])
    err, scale = _engine.relative_step_error(y_full, y_half, _engine.ORDER[integrator])
    exact = abs(R(-dt) - math.exp(-dt)) / math.exp(-dt)
    assert err / scale == pytest.approx(exact, rel=2 * dt)


def test_tangent_check_estimates_the_error_of_the_exponent_increment():
    # x' = diag(-1, -10) x with Q = 1: ln R_jj = ln R(-rate dt); the exact increment is -rate dt.
    dt = 0.02
    Qf = np.diag([_rk4_factor(-dt), _rk4_factor(-10 * dt)])
    Qh = np.diag([_rk4_factor(-dt / 2) ** 2, _rk4_factor(-10 * dt / 2) ** 2])
    exact = abs(math.log(_rk4_factor(-10 * dt)) + 10 * dt)
    assert _engine.tangent_step_error(Qf, Qh, 4) == pytest.approx(exact, rel=20 * dt)


@pytest.mark.parametrize("call", [
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 40, dt=2.0, progress=False, seed=1),
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 54, dt=2.7, progress=False, seed=1),
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 40, dt=1.0, integrator="euler", progress=False,
                        seed=1),
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 38, dt=1.9, integrator="euler", progress=False,
                        seed=1),
    lambda: mf.lyapunov_spectrum(mf.RandomNetwork(200, 2.0, seed=1), 5, t_sim=40, t_warmup=10, dt=2.0,
                                 t_ons=2.0, progress=False, seed=1),
    lambda: mf.lyapunov_max(mf.RandomNetwork(200, 2.0, seed=1), t_sim=40, t_warmup=10, dt=1.0, t_ons=1.0,
                            integrator="euler", progress=False, seed=1),
    lambda: mf.simulate(mf.BalancedNetwork(300, 2.0, 1.0, 1.0, seed=1), 50, dt=0.5, progress=False, seed=1),
    lambda: mf.simulate(mf.BalancedNetwork(300, 2.0, 1.0, 1.0, seed=1), 50, dt=1.0, progress=False, seed=1),
    lambda: mf.lyapunov_spectrum(_lorenz(), t_sim=50, t_warmup=5, dt=0.1, t_ons=0.1, progress=False, seed=1),
    lambda: mf.lyapunov_spectrum(_decay(), t_sim=50, t_warmup=0, dt=2.5, t_ons=2.5, progress=False, seed=1),
    lambda: mf.lyapunov_max(_decay(), t_sim=50, t_warmup=0, dt=2.5, t_ons=2.5, progress=False, seed=1),
], ids=["rk4-2.0", "rk4-2.7", "euler-1.0", "euler-1.9", "spectrum-rk4-2.0", "max-euler-1.0",
        "balanced-0.5", "balanced-1.0", "lorenz-0.1", "decay-2.5", "decay-max-2.5"])
def test_the_issue_examples_warn_with_a_safe_dt(call):
    with pytest.warns(mf.StepSizeWarning, match=r"use dt <= [0-9.e-]+") as rec:
        call()
    assert issubclass(rec[0].category, RuntimeWarning)


@pytest.mark.parametrize("call", [
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 100, dt=0.1, progress=False, seed=1),
    lambda: mf.simulate(mf.RandomNetwork(200, 2.0, seed=1), 100, dt=0.1, integrator="euler", progress=False,
                        seed=1),
    lambda: mf.lyapunov_spectrum(mf.RandomNetwork(100, 2.0, seed=1), t_sim=20, t_warmup=10, dt=0.1,
                                 integrator="euler", progress=False, seed=1),
    lambda: mf.simulate(mf.BalancedNetwork(300, 2.0, 1.0, 1.0, seed=1), 50, dt=0.1, progress=False, seed=1),
    lambda: mf.lyapunov_spectrum(_lorenz(), t_sim=20, t_warmup=5, dt=0.01, t_ons=0.1, progress=False, seed=1),
    lambda: mf.lyapunov_spectrum(_decay(), t_sim=50, t_warmup=0, dt=0.5, t_ons=0.5, progress=False, seed=1),
], ids=["rk4-0.1", "euler-0.1", "full-spectrum-euler-0.1", "balanced-0.1", "lorenz-0.01", "decay-0.5"])
def test_sane_steps_do_not_warn(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", mf.StepSizeWarning)
        call()


def test_the_suggested_dt_is_safe():
    with pytest.warns(mf.StepSizeWarning) as rec:
        mf.lyapunov_spectrum(_decay(), t_sim=50, t_warmup=0, dt=2.5, t_ons=2.5, progress=False, seed=1)
    safe = float(str(rec[0].message).rsplit("dt <= ", 1)[1])
    assert 0.1 < safe < 2.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", mf.StepSizeWarning)
        r = mf.lyapunov_spectrum(_decay(), t_sim=100 * safe, t_warmup=0, dt=safe, t_ons=safe, progress=False,
                                 seed=1)
    assert r.diagnostics["step_error"] <= _engine.STEP_TOL
    assert r.exponents[0] == pytest.approx(math.log(_rk4_factor(-safe)) / safe, rel=1e-12)


def test_the_checks_leave_results_bit_for_bit_unchanged(monkeypatch):
    net = mf.RandomNetwork(30, 2.0, input=mf.OUInput(0.5, 2.0, correlation=0.3), seed=2)
    runs = [lambda: mf.lyapunov_spectrum(net, 5, t_sim=20, t_warmup=2, seed=3, progress=False).exponents,
            lambda: mf.lyapunov_max(net, t_sim=20, t_warmup=2, seed=3, progress=False).history,
            lambda: mf.simulate(net, 20, seed=3, progress=False).h,
            lambda: mf.lyapunov_spectrum(_lorenz(), t_sim=2, t_warmup=0, dt=0.01, t_ons=0.1, seed=1,
                                         progress=False).exponents]
    on = [f() for f in runs]
    monkeypatch.setattr(_engine.StepCheck, "due", lambda self, n: False)
    off = [f() for f in runs]
    for a, b in zip(on, off):
        assert np.array_equal(a, b)


def test_checks_are_recorded_in_the_diagnostics():
    r = mf.lyapunov_spectrum(mf.RandomNetwork(50, 2.0, seed=1), 3, t_sim=100, t_warmup=0, seed=1,
                             progress=False)
    d = r.diagnostics
    # at least MIN_CHECKS over the measured phase (basis warm-up included), at most one per chunk
    assert _engine.MIN_CHECKS <= d["step_checks"] <= 200
    assert 0 < d["step_error"] < 1e-4 and d["step_tolerance"] == _engine.STEP_TOL


@pytest.mark.parametrize("frequency", [10.0, 20.5, 1.3])
def test_sine_input_needs_eight_steps_per_period(frequency):
    # f dt = 1 samples sin(2 pi f t) at its zeros; f = 20.5 looks like f = 0.5
    net = mf.RandomNetwork(20, 1.5, input=mf.SineInput(5.0, frequency), seed=1)
    with pytest.raises(ValueError, match=rf"dt = 0.1 .*frequency {frequency:g}.*use dt <= "):
        mf.simulate(net, 1.0, dt=0.1, progress=False)
    with pytest.raises(ValueError, match="per period"):
        mf.lyapunov_max(net, t_sim=10, dt=0.1, progress=False)
    ok = 1.0 / (8 * frequency)
    mf.simulate(net, 100 * ok, dt=ok, progress=False)
