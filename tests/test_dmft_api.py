"""The one theory front end: dispatch, options, result family, error family, deprecations."""
import math
import types
import warnings

import numpy as np
import pytest

import meanfield as mf
from meanfield import dmft
from meanfield import errors as E
from meanfield.inputs import OUInput, SineInput


# ---------------------------------------------------------------- which solver

@pytest.mark.parametrize("model, expected", [
    (mf.RandomNetwork(50, 2.0), "stationary"),
    (mf.RandomNetwork(50, 2.0, time="discrete"), "stationary"),
    (mf.RandomNetwork(50, 2.0, input=SineInput(0.0, 0.2, "common")), "stationary"),
    (mf.RandomNetwork(50, 2.0, input=SineInput(1.0, 0.2, "independent")), "independent"),
    (mf.RandomNetwork(50, 2.0, input=OUInput(1.0, 2.0, "independent")), "independent"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0), "stationary"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, input=SineInput(1.0, 0.2, "independent")), "independent"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, input=SineInput(1.0, 0.2, "common")), "nonstationary"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, input=SineInput(1.0, 0.2, 0.3)), "nonstationary"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, input=OUInput(1.0, 2.0, "common")), "nonstationary"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, phi="tanh"), "nonstationary"),
])
def test_choose_method(model, expected):
    assert dmft.choose_method(model) == expected


@pytest.mark.parametrize("model, match", [
    (mf.RandomNetwork(50, 2.0, input=SineInput(1.0, 0.2, "common")), "common"),
    (mf.RandomNetwork(50, 2.0, input=SineInput(1.0, 0.2, 0.5)), "correlation"),
    (mf.BalancedNetwork(50, 2.0, 1.0, 1.0, K=10, connectivity="sparse"), "sparse"),
])
def test_unsupported_models_raise_the_regime_error(model, match):
    with pytest.raises(E.UnsupportedRegimeError, match=match):
        dmft.solve(model)
    with pytest.raises(NotImplementedError):      # the builtin base still catches it
        dmft.lyapunov_max(model)


def test_forced_method_that_does_not_cover_the_model():
    with pytest.raises(E.UnsupportedRegimeError, match="independent"):
        dmft.solve(mf.RandomNetwork(50, 2.0), method="independent")
    with pytest.raises(E.UnsupportedRegimeError, match="BalancedNetwork"):
        dmft.solve(mf.RandomNetwork(50, 2.0), method="nonstationary")
    with pytest.raises(E.UnsupportedRegimeError, match="ReLU"):
        dmft.solve(mf.BalancedNetwork(50, 2.0, 1.0, 1.0, phi="tanh"), method="stationary")


def test_plain_parameters_reach_the_solver(monkeypatch):
    # the wrapper passes the model's own parameters to the plain-parameter solver
    from meanfield.dmft import stationary as S
    seen = {}

    def fake(**kw):
        seen.update(kw)
        return types.SimpleNamespace(lambda_max=0.0, lambda_max_error=0.0)
    monkeypatch.setattr(S, "solve_scs", lambda g, phi="tanh", time="continuous", leak=1.0, tau_max=None,
                        n_tau=2001: fake(g=g, phi=phi, time=time, leak=leak, tau_max=tau_max, n_tau=n_tau))
    r = dmft.solve(mf.RandomNetwork(50, 1.7, phi="erf", time="discrete", leak=0.4), n_tau=11)
    assert seen == {"g": 1.7, "phi": seen["phi"], "time": "discrete", "leak": 0.4, "tau_max": None,
                    "n_tau": 11}
    assert seen["phi"].name == "erf"
    assert r.method == "stationary" and r.settings == {"n_tau": 11} and r.model["leak"] == 0.4
    monkeypatch.setattr(S, "solve_balanced", lambda g, J0, I0, K, phi="relu", tau_max=None, n_tau=2001:
                        fake(g=g, J0=J0, I0=I0, K=K))
    seen.clear()
    dmft.solve(mf.BalancedNetwork(500, 2.5, 0.7, 1.3, K=60))
    assert seen == {"g": 2.5, "J0": 0.7, "I0": 1.3, "K": 60}


def test_options_are_checked_against_the_chosen_solver():
    with pytest.raises(TypeError, match=r"bogus.*takes \['n_tau', 'tau_max'\]"):
        dmft.solve(mf.RandomNetwork(50, 2.0), bogus=1)
    with pytest.raises(TypeError, match="order"):        # an option of another solver
        dmft.lyapunov_max(mf.RandomNetwork(50, 2.0), order=2)
    with pytest.raises(ValueError, match="method"):
        dmft.solve(mf.RandomNetwork(50, 2.0), method="fast")
    with pytest.raises(TypeError, match="model"):
        dmft.solve("network")


# ---------------------------------------------------------------- one result family

def test_results_share_the_core_fields(tmp_path):
    st = dmft.solve(mf.RandomNetwork(50, 2.0), n_tau=101)
    ns = dmft.solve(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, input=SineInput(2.0, 0.2)), dt=0.25, n_steps=512,
                    band=64, order=1)
    for r, method in ((st, "stationary"), (ns, "nonstationary")):
        assert r.method == method and isinstance(r.model, dict) and isinstance(r.settings, dict)
        assert math.isfinite(r.lambda_max) and r.lambda_max_error >= 0
        for key in ("converged", "iterations", "n_evaluations", "fallbacks"):
            assert key in r.diagnostics
        assert r.diagnostics["converged"] is True
        back = type(r).load(r.save(tmp_path / f"{method}.npz"))
        assert back.lambda_max == r.lambda_max and back.method == method
        assert back.model == r.model and back.settings == r.settings
        assert back.diagnostics["fallbacks"] == r.diagnostics["fallbacks"]
    assert ns.diagnostics["iterations"] == 1 and ns.diagnostics["n_evaluations"] == 512 * 64
    assert ns.settings == {"dt": 0.25, "n_steps": 512, "band": 64, "order": 1}


def test_simulation_results_use_the_same_names():
    net = mf.RandomNetwork(30, 2.0, seed=1)
    m = mf.lyapunov_max(net, t_sim=50, t_warmup=10, seed=2, progress=False)
    s = mf.lyapunov_spectrum(net, 3, t_sim=50, t_warmup=10, seed=2, progress=False)
    assert m.lambda_max_error > 0 and m.method == "two-trajectory"
    assert s.method == "qr" and s.integrator == "rk4"
    assert s.lambda_max == s.exponents[0] and s.lambda_max_error == s.stderr[0]
    assert "converged" in m.diagnostics and "n_evaluations" in s.diagnostics


def test_renamed_fields_load_from_old_files(tmp_path):
    # a file written before the rename (stderr -> lambda_max_error) still loads
    m = mf.lyapunov_max(mf.RandomNetwork(20, 2.0, seed=1), t_sim=20, t_warmup=5, seed=2, progress=False)
    path = m.save(tmp_path / "m.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    import json
    meta = json.loads(str(arrays["__meta__"]))
    meta["stderr"] = meta.pop("lambda_max_error")
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    old = mf.LyapunovMaxResult.load(tmp_path / "old.npz")
    assert old.lambda_max_error == m.lambda_max_error


# ---------------------------------------------------------------- one error family

def test_error_family():
    for cls in (E.ConvergenceError, E.SimulationBlowUp, E.UnsupportedRegimeError, E.CriticalAmplitudeError):
        assert issubclass(cls, mf.MeanfieldError)
        assert getattr(mf, cls.__name__) is cls
    assert issubclass(E.ConvergenceError, RuntimeError)
    assert issubclass(E.SimulationBlowUp, FloatingPointError)
    assert issubclass(E.UnsupportedRegimeError, NotImplementedError)
    assert issubclass(E.UnsupportedRegimeError, ValueError)
    assert issubclass(E.CriticalAmplitudeError, E.ConvergenceError)
    err = E.ConvergenceError("no root", {"g": 2.0})
    assert err.diagnostics == {"g": 2.0} and "g" in str(err)


# ---------------------------------------------------------------- deprecations (one release)

def test_old_names_warn_and_still_work():
    net = mf.RandomNetwork(50, 2.0)
    new = dmft.solve(net)
    with pytest.warns(DeprecationWarning, match="dmft.solve"):
        old = dmft.stationary(net)
    assert old.lambda_max == new.lambda_max
    with pytest.warns(DeprecationWarning, match="ConvergenceError"):
        assert dmft.DMFTConvergenceError is E.ConvergenceError
    from meanfield.phase import dmft_lambda
    with pytest.warns(DeprecationWarning, match="lyapunov_max"):
        assert dmft_lambda(net) == (new.lambda_max, new.lambda_max_error)
    with pytest.warns(DeprecationWarning, match="integrator"):
        r = mf.simulate(net, 1.0, method="euler", progress=False)
    assert r.integrator == "euler"
    with pytest.warns(DeprecationWarning, match="integrator"):
        assert r.method == "euler"
    with pytest.raises(TypeError, match="integrator"):
        mf.simulate(net, 1.0, method="euler", integrator="rk4", progress=False)
    m = mf.lyapunov_max(net, t_sim=10, t_warmup=1, seed=1, progress=False)
    with pytest.warns(DeprecationWarning, match="lambda_max_error"):
        assert m.stderr == m.lambda_max_error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from meanfield.dmft import stationary as module       # the module itself: no warning
        assert module.solve_scs is dmft.solve_scs


def test_per_solver_options_reach_only_their_solver():
    net = mf.RandomNetwork(50, 2.0)
    a = dmft.solve(net, stationary={"n_tau": 11}, nonstationary={"order": 3})
    assert a.settings == {"n_tau": 11} and a.tau.size == 11
    ns = {"dt": 0.25, "n_steps": 512, "band": 64, "order": 1}
    b = dmft.solve(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, input=SineInput(2.0, 0.2)),
                   stationary={"n_tau": 11}, nonstationary=ns)
    assert b.method == "nonstationary" and b.settings == {"dt": 0.25, "n_steps": 512, "band": 64, "order": 1}
    with pytest.raises(TypeError, match="dict"):
        dmft.solve(net, stationary=3)
    with pytest.raises(TypeError, match="bogus"):
        dmft.solve(net, stationary={"bogus": 1})


@pytest.fixture(scope="module")
def scs_independent_critical():
    from meanfield.dmft.independent import independent_critical_amplitude
    r = mf.critical_amplitude(mf.RandomNetwork(N=10, g=1.5), frequency=0.2, correlation="independent")
    return r, independent_critical_amplitude(1.5, 0.2, xtol=1e-6)


@pytest.mark.slow
def test_front_end_critical_amplitude_never_fails_where_the_solver_succeeds(scs_independent_critical):
    # the report: the front end raised DMFTConvergenceError after 110 s while the
    # independent-input root finder returned 1.479 (SCS tanh g = 1.5, f = 0.2).  Measured now:
    # front end 1.479472, root finder 1.479252
    r, ref = scs_independent_critical
    assert r.method == "dmft" and r.diagnostics["converged"]
    assert np.all(np.isfinite(r.lambda_max))
    assert abs(r.amplitude - ref) < 1e-3


@pytest.mark.slow
def test_front_end_and_root_finder_agree_within_the_stated_error(scs_independent_critical):
    # λ(I1) is flat on the chaotic side of the root (dλ/dI1 ≈ -1.5e-4 against -3e-2 on the other),
    # so λ's own error (2e-8) moves the root by ~1.5e-4; the front end's error now propagates
    # through the flatter one-sided slope (it used the secant and claimed 3.3e-5)
    r, ref = scs_independent_critical
    assert 1e-4 < r.amplitude_error < 1e-3
    assert abs(r.amplitude - ref) < 3 * r.amplitude_error
