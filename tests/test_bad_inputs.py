"""Every public entry point rejects bad input with a clear error that names the parameter."""
import math

import numpy as np
import pytest

import meanfield as mf

NAN, INF = float("nan"), float("inf")

# A module-level dict: Numba cannot type a global dict, so a phi that reads it does not compile.
_SLOPES = {"slope": 1.0}


def phi_using_dict(x):
    return _SLOPES["slope"] * x


def dphi_ok(x):
    return 1.0


def phi_ok(x):
    return x / (1.0 + abs(x))


@pytest.fixture(scope="module")
def net():
    return mf.RandomNetwork(10, 1.5, seed=1)


@pytest.fixture(scope="module")
def discrete_net():
    return mf.RandomNetwork(10, 1.5, time="discrete", seed=1)


# ---------------------------------------------------------------- RandomNetwork


@pytest.mark.parametrize("N,exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (10.0, TypeError),
                                   ("10", TypeError), (True, TypeError), (None, TypeError)])
def test_random_network_rejects_bad_N(N, exc):
    with pytest.raises(exc, match="N"):
        mf.RandomNetwork(N, 1.0)


@pytest.mark.parametrize("g,exc", [(-0.1, ValueError), (NAN, ValueError), (INF, ValueError),
                                   (-INF, ValueError), ("2", TypeError), (None, TypeError),
                                   (1 + 2j, TypeError)])
def test_random_network_rejects_bad_g(g, exc):
    with pytest.raises(exc, match="g"):
        mf.RandomNetwork(10, g)


def test_random_network_accepts_boundary_values():
    assert mf.RandomNetwork(1, 0.0).N == 1
    assert mf.RandomNetwork(np.int64(5), np.float32(1.5)).N == 5
    assert mf.RandomNetwork(5, 1.0, time="discrete", leak=1.0).leak == 1.0


@pytest.mark.parametrize("phi", ["sigmoid", "Tanh", ""])
def test_random_network_rejects_unknown_phi_name(phi):
    with pytest.raises(ValueError, match="phi"):
        mf.RandomNetwork(10, 1.0, phi=phi)


@pytest.mark.parametrize("phi", [("tanh", "relu"), (1.0, 2.0), (phi_ok, None), (None, dphi_ok),
                                 (phi_ok,), (phi_ok, dphi_ok, dphi_ok), 42, None, np.tanh])
def test_random_network_rejects_phi_that_is_not_a_pair_of_callables(phi):
    with pytest.raises(TypeError, match="phi"):
        mf.RandomNetwork(10, 1.0, phi=phi)


def test_random_network_rejects_phi_pair_numba_cannot_compile():
    with pytest.raises(TypeError, match="phi"):
        mf.RandomNetwork(10, 1.0, phi=(phi_using_dict, dphi_ok))
    with pytest.raises(TypeError, match="dphi"):
        mf.RandomNetwork(10, 1.0, phi=(phi_ok, phi_using_dict))


def test_random_network_rejects_phi_returning_a_non_scalar():
    def phi_array(x):
        return np.array([x, x])

    with pytest.raises(TypeError, match="phi"):
        mf.RandomNetwork(10, 1.0, phi=(phi_array, dphi_ok))


@pytest.mark.parametrize("time", ["Continuous", "stochastic", "", None, 1])
def test_random_network_rejects_bad_time(time):
    with pytest.raises(ValueError, match="time"):
        mf.RandomNetwork(10, 1.0, time=time)


def test_random_network_rejects_unhashable_time_with_a_named_error():
    # check_choice does ``value not in set``: an unhashable value must still give an error
    # that names the parameter, not a bare "unhashable type: 'list'".
    with pytest.raises((TypeError, ValueError), match="time"):
        mf.RandomNetwork(10, 1.0, time=["continuous"])


@pytest.mark.parametrize("leak", [0.0, -0.5, 1.0 + 1e-12, 1.5, NAN, INF])
def test_random_network_rejects_leak_outside_0_1(leak):
    with pytest.raises(ValueError, match="leak"):
        mf.RandomNetwork(10, 1.0, time="discrete", leak=leak)


def test_random_network_rejects_leak_with_continuous_time():
    with pytest.raises(ValueError, match="leak"):
        mf.RandomNetwork(10, 1.0, time="continuous", leak=0.5)


def test_random_network_rejects_bad_self_coupling_input_and_seed():
    with pytest.raises(TypeError, match="self_coupling"):
        mf.RandomNetwork(10, 1.0, self_coupling="yes")
    with pytest.raises(TypeError, match="input"):
        mf.RandomNetwork(10, 1.0, input=0.5)
    with pytest.raises((TypeError, ValueError), match="seed"):
        mf.RandomNetwork(10, 1.0, seed=-1)
    with pytest.raises((TypeError, ValueError), match="seed"):
        mf.RandomNetwork(10, 1.0, seed=1.5)


# ---------------------------------------------------------------- BalancedNetwork


def _balanced(**kw):
    args = dict(N=20, g=1.0, J0=1.0, I0=1.0)
    args.update(kw)
    return mf.BalancedNetwork(**args)


@pytest.mark.parametrize("J0", [0.0, -1.0, NAN, INF])
def test_balanced_network_rejects_non_positive_J0(J0):
    with pytest.raises(ValueError, match="J0"):
        _balanced(J0=J0)


@pytest.mark.parametrize("I0", [-1e-9, -1.0, NAN])
def test_balanced_network_rejects_negative_I0(I0):
    with pytest.raises(ValueError, match="I0"):
        _balanced(I0=I0)


@pytest.mark.parametrize("K,exc", [(21, ValueError), (1000, ValueError), (0, ValueError), (-1, ValueError),
                                   (5.5, TypeError)])
def test_balanced_network_rejects_bad_K(K, exc):
    with pytest.raises(exc, match="K"):
        _balanced(K=K)


@pytest.mark.parametrize("conn", ["Dense", "random", "", None])
def test_balanced_network_rejects_bad_connectivity(conn):
    with pytest.raises(ValueError, match="connectivity"):
        _balanced(connectivity=conn)


def test_balanced_network_rejects_bad_N_g_phi():
    with pytest.raises(ValueError, match="N"):
        _balanced(N=0)
    with pytest.raises(ValueError, match="g"):
        _balanced(g=-1.0)
    with pytest.raises(ValueError, match="phi"):
        _balanced(phi="softplus")
    assert _balanced(K=20).K == 20 and _balanced(K=1).K == 1


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize("amp", [-1e-9, -1.0, NAN, INF])
def test_sine_input_rejects_bad_amplitude(amp):
    with pytest.raises(ValueError, match="amplitude"):
        mf.SineInput(amp, 0.1)


@pytest.mark.parametrize("freq", [0.0, -0.1, NAN, INF])
def test_sine_input_rejects_non_positive_frequency(freq):
    with pytest.raises(ValueError, match="frequency"):
        mf.SineInput(1.0, freq)


@pytest.mark.parametrize("cls,args", [(mf.SineInput, (1.0, 0.1)), (mf.OUInput, (1.0, 2.0))])
@pytest.mark.parametrize("corr", [-0.1, 1.1, NAN, "mixed", "Common", ""])
def test_inputs_reject_bad_correlation(cls, args, corr):
    with pytest.raises(ValueError, match="correlation"):
        cls(*args, correlation=corr)


@pytest.mark.parametrize("cls,args", [(mf.SineInput, (1.0, 0.1)), (mf.OUInput, (1.0, 2.0))])
def test_inputs_reject_non_numeric_correlation(cls, args):
    with pytest.raises(TypeError, match="correlation"):
        cls(*args, correlation=None)


@pytest.mark.parametrize("std", [-1e-9, -1.0, NAN, INF])
def test_ou_input_rejects_bad_std(std):
    with pytest.raises(ValueError, match="std"):
        mf.OUInput(std, 1.0)


@pytest.mark.parametrize("tau", [0.0, -1.0, NAN, INF])
def test_ou_input_rejects_non_positive_tau(tau):
    with pytest.raises(ValueError, match="tau"):
        mf.OUInput(1.0, tau)


def test_inputs_accept_boundary_values():
    assert mf.SineInput(0.0, 1e-6, correlation=0.0).c == 0.0
    assert mf.OUInput(0.0, 1e-6, correlation=1.0).c == 1.0
    assert mf.OUInput(1.0, 1.0, correlation="common").c == 1.0


# ---------------------------------------------------------------- simulate


@pytest.mark.parametrize("dt", [0.0, -0.1, NAN, INF])
def test_simulate_rejects_non_positive_dt(net, dt):
    with pytest.raises(ValueError, match="dt"):
        mf.simulate(net, 1.0, dt=dt, progress=False)


@pytest.mark.parametrize("method,dt", [("euler", 2.0), ("euler", 2.5), ("rk4", 2.785), ("rk4", 3.0)])
def test_simulate_rejects_dt_beyond_the_stable_range(net, method, dt):
    with pytest.raises(ValueError, match="dt"):
        mf.simulate(net, 10 * dt, dt=dt, integrator=method, progress=False)


@pytest.mark.parametrize("method,dt", [("euler", 1.9), ("rk4", 2.7)])
def test_simulate_accepts_dt_just_inside_the_stable_range(net, method, dt):
    # accepted, but far beyond the integrator's accuracy: the step check says so (issue 11)
    with pytest.warns(mf.StepSizeWarning, match="use dt <= "):
        r = mf.simulate(net, 2 * dt, dt=dt, integrator=method, seed=0, progress=False)
    assert np.all(np.isfinite(r.final_state))


@pytest.mark.parametrize("method", ["midpoint", "RK4", "map", ""])
def test_simulate_rejects_unknown_method(net, method):
    with pytest.raises(ValueError, match="integrator"):
        mf.simulate(net, 1.0, integrator=method, progress=False)


@pytest.mark.parametrize("t_max", [0.0, -1.0, NAN, INF])
def test_simulate_rejects_non_positive_t_max(net, t_max):
    with pytest.raises(ValueError, match="t_max"):
        mf.simulate(net, t_max, dt=0.1, progress=False)


@pytest.mark.parametrize("t_max,dt", [(1.05, 0.1), (1.0, 0.3), (0.05, 0.1)])
def test_simulate_rejects_t_max_not_a_multiple_of_dt(net, t_max, dt):
    with pytest.raises(ValueError, match="t_max"):
        mf.simulate(net, t_max, dt=dt, progress=False)


def test_simulate_rejects_t_warmup_and_record_every(net):
    with pytest.raises(ValueError, match="t_warmup"):
        mf.simulate(net, 1.0, t_warmup=-1.0, progress=False)
    with pytest.raises(ValueError, match="t_warmup"):
        mf.simulate(net, 1.0, dt=0.1, t_warmup=0.55, progress=False)
    with pytest.raises(ValueError, match="record_every"):
        mf.simulate(net, 1.0, record_every=0, progress=False)


@pytest.mark.parametrize("x0", [np.zeros(9), np.zeros(11), np.zeros((10, 1)), np.zeros((1, 10)), 0.0])
def test_simulate_rejects_x0_of_wrong_shape(net, x0):
    with pytest.raises(ValueError, match="x0"):
        mf.simulate(net, 1.0, x0=x0, progress=False)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_simulate_rejects_non_finite_x0(net, bad):
    x0 = np.zeros(10)
    x0[3] = bad
    with pytest.raises(ValueError, match="x0"):
        mf.simulate(net, 1.0, x0=x0, progress=False)


@pytest.mark.parametrize("record,exc", [([0, 10], ValueError), ([-1], ValueError), (11, ValueError),
                                        (-1, ValueError), ("some", ValueError), ([0.5, 1.5], TypeError),
                                        ([[0, 1]], TypeError), (2.5, TypeError)])
def test_simulate_rejects_record_out_of_range(net, record, exc):
    with pytest.raises(exc, match="record"):
        mf.simulate(net, 1.0, record=record, progress=False)


@pytest.mark.parametrize("seed", [-1, 1.5, "7"])
def test_simulate_rejects_bad_seed(net, seed):
    with pytest.raises((TypeError, ValueError), match="seed"):
        mf.simulate(net, 1.0, seed=seed, progress=False)


@pytest.mark.parametrize("dt", [0.1, 0.5, 2.0])
def test_simulate_rejects_dt_for_a_discrete_model(discrete_net, dt):
    with pytest.raises(ValueError, match="dt"):
        mf.simulate(discrete_net, 10, dt=dt, progress=False)


def test_simulate_rejects_integrator_for_a_discrete_model(discrete_net):
    with pytest.raises(ValueError, match="integrator"):
        mf.simulate(discrete_net, 10, integrator="rk4", progress=False)


def test_simulate_rejects_threads(net):
    with pytest.raises(ValueError, match="threads"):
        mf.simulate(net, 1.0, threads=0, progress=False)


@pytest.mark.parametrize("model", [object(), "net", None, np.eye(3)])
def test_simulate_rejects_a_non_model_object(model):
    # simulate must say what it expected (like lyapunov_spectrum does), not raise an
    # AttributeError from deep inside the engine.
    with pytest.raises(TypeError, match="model"):
        mf.simulate(model, 1.0, progress=False)


# ---------------------------------------------------------------- lyapunov_spectrum

_SHORT = dict(t_sim=20.0, t_warmup=0.0, progress=False)


@pytest.mark.parametrize("k,exc", [(0, ValueError), (-1, ValueError), (11, ValueError), (2.5, TypeError),
                                   ("3", TypeError)])
def test_lyapunov_spectrum_rejects_bad_n_exponents(net, k, exc):
    with pytest.raises(exc, match="n_exponents"):
        mf.lyapunov_spectrum(net, k, **_SHORT)


@pytest.mark.parametrize("t_ons,dt", [(0.15, 0.1), (0.25, 0.1), (1.0, 0.3)])
def test_lyapunov_spectrum_rejects_t_ons_not_a_multiple_of_dt(net, t_ons, dt):
    with pytest.raises(ValueError, match="t_ons"):
        mf.lyapunov_spectrum(net, 2, t_ons=t_ons, dt=dt, **_SHORT)


@pytest.mark.parametrize("t_ons", [0.0, -1.0, NAN])
def test_lyapunov_spectrum_rejects_non_positive_t_ons(net, t_ons):
    with pytest.raises(ValueError, match="t_ons"):
        mf.lyapunov_spectrum(net, 2, t_ons=t_ons, **_SHORT)


@pytest.mark.parametrize("t_sim,n_blocks", [(5.0, 10), (9.0, 10), (1.0, 2), (0.4, 2)])
def test_lyapunov_spectrum_rejects_t_sim_too_short_for_n_blocks(net, t_sim, n_blocks):
    with pytest.raises(ValueError, match="t_sim") as info:
        mf.lyapunov_spectrum(net, 2, t_sim=t_sim, n_blocks=n_blocks, t_ons=1.0, t_warmup=0.0, progress=False)
    assert "n_blocks" in str(info.value)


@pytest.mark.parametrize("t_sim", [0.0, -10.0, NAN])
def test_lyapunov_spectrum_rejects_non_positive_t_sim(net, t_sim):
    with pytest.raises(ValueError, match="t_sim"):
        mf.lyapunov_spectrum(net, 2, t_sim=t_sim, t_warmup=0.0, progress=False)


@pytest.mark.parametrize("n_blocks,exc", [(1, ValueError), (0, ValueError), (-2, ValueError),
                                          (2.0, TypeError)])
def test_lyapunov_spectrum_rejects_n_blocks_below_2(net, n_blocks, exc):
    with pytest.raises(exc, match="n_blocks"):
        mf.lyapunov_spectrum(net, 2, n_blocks=n_blocks, **_SHORT)


@pytest.mark.parametrize("model", [object(), "net", None, np.eye(3), 10])
def test_lyapunov_spectrum_rejects_a_non_model_object(model):
    with pytest.raises(TypeError, match="model_or_system"):
        mf.lyapunov_spectrum(model, **_SHORT)


def test_lyapunov_spectrum_rejects_bad_dt_method_seed_x0(net, discrete_net):
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(net, 2, dt=2.785, **_SHORT)
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(net, 2, dt=0.0, **_SHORT)
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_spectrum(net, 2, integrator="leapfrog", **_SHORT)
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(discrete_net, 2, dt=0.5, **_SHORT)
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_spectrum(discrete_net, 2, integrator="rk4", **_SHORT)
    with pytest.raises((TypeError, ValueError), match="seed"):
        mf.lyapunov_spectrum(net, 2, seed=-5, **_SHORT)
    with pytest.raises(ValueError, match="x0"):
        mf.lyapunov_spectrum(net, 2, x0=np.zeros(3), **_SHORT)
    with pytest.raises(ValueError, match="x0"):
        mf.lyapunov_spectrum(net, 2, x0=np.full(10, NAN), **_SHORT)
    with pytest.raises(ValueError, match="t_warmup"):
        mf.lyapunov_spectrum(net, 2, t_sim=20.0, t_warmup=-1.0, progress=False)
    with pytest.raises(ValueError, match="history_every"):
        mf.lyapunov_spectrum(net, 2, history_every=0, **_SHORT)


# ---------------------------------------------------------------- lyapunov_max


@pytest.mark.parametrize("method", ["qr2", "QR", "two_trajectory", "", None])
def test_lyapunov_max_rejects_bad_method(net, method):
    with pytest.raises(ValueError, match="method"):
        mf.lyapunov_max(net, method=method, **_SHORT)


@pytest.mark.parametrize("d0", [0.0, -1e-8, 1e-2, NAN, INF])
def test_lyapunov_max_rejects_bad_d0(net, d0):
    with pytest.raises(ValueError, match="d0"):
        mf.lyapunov_max(net, d0=d0, **_SHORT)


def test_lyapunov_max_names_a_bad_integrator(net):
    # lyapunov_max's own ``method`` is "two-trajectory"/"qr"; a bad *integrator* must be
    # reported as such, not as "method must be one of ['euler', 'rk4']".
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_max(net, integrator="leapfrog", **_SHORT)


def test_lyapunov_max_rejects_bad_dt_and_n_blocks(net):
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_max(net, dt=2.785, **_SHORT)
    with pytest.raises(ValueError, match="n_blocks"):
        mf.lyapunov_max(net, n_blocks=1, **_SHORT)
    with pytest.raises(ValueError, match="t_sim"):
        mf.lyapunov_max(net, t_sim=5.0, n_blocks=10, t_warmup=0.0, progress=False)


@pytest.mark.parametrize("model", [object(), "net", None])
def test_lyapunov_max_rejects_a_non_model_object(model):
    # like lyapunov_spectrum: a TypeError naming model_or_system, not an AttributeError
    with pytest.raises(TypeError, match="model_or_system"):
        mf.lyapunov_max(model, **_SHORT)


def _henon():
    return mf.Map(lambda x: np.array([1 - 1.4 * x[0] ** 2 + x[1], 0.3 * x[0]]),
                  lambda x: np.array([[-2.8 * x[0], 1.0], [0.3, 0.0]]), [0.1, 0.1])


def test_lyapunov_max_rejects_dt_for_a_map():
    # lyapunov_spectrum rejects dt != None for a map; lyapunov_max must not silently ignore it.
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_spectrum(_henon(), dt=0.5, t_sim=20, progress=False)
    with pytest.raises(ValueError, match="dt"):
        mf.lyapunov_max(_henon(), dt=0.5, t_sim=20, progress=False)


def test_lyapunov_max_rejects_integrator_for_a_map():
    with pytest.raises(ValueError, match="integrator"):
        mf.lyapunov_max(_henon(), integrator="euler", t_sim=20, progress=False)


# ---------------------------------------------------------------- blow-up


@pytest.fixture(scope="module")
def exploding_net():
    # phi linear, g = 3: dh/dt = (J - 1) h with Re(eig(J)) up to ~3, so h grows like
    # e^{~1.7 t} (N = 20, seed 3) and overflows float64 after a few hundred time units.
    return mf.RandomNetwork(20, g=3.0, phi="linear", seed=3)


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_linear_network_with_g3_raises_simulation_blow_up(exploding_net, method):
    with pytest.raises(mf.SimulationBlowUp, match="t =") as info:
        mf.simulate(exploding_net, 2000.0, dt=0.1, integrator=method, seed=1, progress=False)
    e = info.value
    assert isinstance(e, FloatingPointError)
    assert math.isfinite(e.time) and 0.0 < e.time < 2000.0
    # the overflow time follows from the growth rate: ln(1.8e308 / |h(0)|) / rate
    rate = np.linalg.eigvals(exploding_net.J - np.eye(20)).real.max()
    assert 0.5 * 709.0 / rate < e.time < 2.0 * 709.0 / rate
    assert f"{e.time:g}" in str(e)


def test_blow_up_during_warmup_and_lyapunov_runs(exploding_net):
    with pytest.raises(mf.SimulationBlowUp, match="t =") as info:
        mf.simulate(exploding_net, 1.0, dt=0.1, t_warmup=2000.0, seed=1, progress=False)
    assert math.isfinite(info.value.time) and 0.0 < info.value.time < 2001.0
    with pytest.raises(mf.SimulationBlowUp, match="t =") as info:
        mf.lyapunov_spectrum(exploding_net, 2, t_sim=2000.0, t_warmup=0.0, seed=1, progress=False)
    assert math.isfinite(info.value.time) and 0.0 < info.value.time <= 2000.0
    with pytest.raises(mf.SimulationBlowUp, match="t =") as info:
        mf.lyapunov_max(exploding_net, t_sim=2000.0, t_warmup=0.0, seed=1, progress=False)
    assert math.isfinite(info.value.time) and 0.0 < info.value.time <= 2000.0


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_blow_up_time_is_the_first_non_finite_state(exploding_net, method):
    # "became non-finite at t = T" means: the state at T is not finite, the one at T - dt is.
    dt = 0.1
    with pytest.raises(mf.SimulationBlowUp) as info:
        mf.simulate(exploding_net, 2000.0, dt=dt, integrator=method, seed=1, progress=False)
    n = int(round(info.value.time / dt))
    before = mf.simulate(exploding_net, (n - 1) * dt, dt=dt, integrator=method, seed=1, progress=False)
    assert np.all(np.isfinite(before.final_state))
    with pytest.raises(mf.SimulationBlowUp):
        mf.simulate(exploding_net, n * dt, dt=dt, integrator=method, seed=1, progress=False)


# ================================================================ table-driven outcome count (issue 11)
# Each row: (id, call, pattern).  The call is tried as a new user would; the outcome is
#   clear   -- a ValueError/TypeError/FileNotFoundError or a MeanfieldError (or a StepSizeWarning, for
#              numbers that would otherwise be wrong) whose message matches ``pattern`` (the parameter
#              or the cause),
#   obscure -- any other exception, or a message that does not name the cause,
#   silent  -- a result and no such warning.
# The suite asserts zero obscure and zero silent outcomes; ``outcome_counts()`` reports the counts.

def _lorenz_flow():
    def f(t, x):
        return np.array([10 * (x[1] - x[0]), x[0] * (28 - x[2]) - x[1], x[0] * x[1] - 8 / 3 * x[2]])

    def jac(t, x):
        return np.array([[-10, 10, 0], [28 - x[2], -1, -x[0]], [x[1], x[0], -8 / 3]])
    return mf.Flow(f, jac, [1.0, 1.0, 1.0])


def _decay_flow():
    return mf.Flow(lambda t, x: -x, lambda t, x: -np.eye(1), [1.0])


def _nan_dphi(x):
    return math.nan if x > 0.5 else 1.0


def _junk_files(d):
    """Corrupt and foreign files, as a user might pass them by mistake."""
    import os
    files = {}
    files["random-bytes"] = os.path.join(d, "junk.npz")
    with open(files["random-bytes"], "wb") as fh:
        fh.write(np.random.default_rng(0).bytes(600))
    files["empty"] = os.path.join(d, "empty.npz")
    open(files["empty"], "wb").close()
    files["foreign-npz"] = os.path.join(d, "foreign.npz")
    np.savez(files["foreign-npz"], a=np.arange(3))
    files["npy-named-npz"] = os.path.join(d, "arr.npz")
    with open(files["npy-named-npz"], "wb") as fh:
        np.save(fh, np.arange(3))
    files["pickled-npy"] = os.path.join(d, "obj.npz")
    with open(files["pickled-npy"], "wb") as fh:
        np.save(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    files["object-entry"] = os.path.join(d, "objentry.npz")
    np.savez(files["object-entry"], __type__=np.array("LyapunovResult"),
             __meta__=np.array([{"a": 1}], dtype=object))
    files["broken-meta"] = os.path.join(d, "badmeta.npz")
    np.savez(files["broken-meta"], __type__=np.array("LyapunovResult"), __meta__=np.array("{not json"))
    good = os.path.join(d, "good.npz")
    mf.lyapunov_spectrum(mf.RandomNetwork(8, 2.0, seed=1), 2, t_sim=10, t_warmup=0, seed=1,
                         progress=False).save(good)
    z = dict(np.load(good))
    z.pop("exponents")
    files["missing-field"] = os.path.join(d, "missing.npz")
    np.savez(files["missing-field"], **z)
    files["other-class"] = good
    return files


def _table(tmp):
    from meanfield import dmft, rmt
    net = mf.RandomNetwork(10, 1.5, seed=1)
    big = mf.RandomNetwork(200, 2.0, seed=1)
    files = _junk_files(tmp)
    lt = dict(t_sim=10, t_warmup=0, progress=False)
    rows = []

    def add(rid, call, pattern):
        rows.append((rid, call, pattern))

    # models and inputs
    for v, pat in ((0, "N"), (-1, "N"), (2.5, "N"), ("10", "N"), (NAN, "N")):
        add(f"RandomNetwork(N={v!r})", lambda v=v: mf.RandomNetwork(v, 1.5), pat)
    for v in (-1.0, NAN, INF, "2", None):
        add(f"RandomNetwork(g={v!r})", lambda v=v: mf.RandomNetwork(10, v), "g")
    for v in ("tanhh", 3, (phi_ok,), (phi_using_dict, dphi_ok)):
        add(f"RandomNetwork(phi={v!r})", lambda v=v: mf.RandomNetwork(10, 1.5, phi=v), "phi")
    add("RandomNetwork(time='Discrete')", lambda: mf.RandomNetwork(10, 1.5, time="Discrete"), "time")
    add("RandomNetwork(self_coupling=1)", lambda: mf.RandomNetwork(10, 1.5, self_coupling=1), "self_coupling")
    add("RandomNetwork(leak=0.5, continuous)", lambda: mf.RandomNetwork(10, 1.5, leak=0.5), "leak")
    add("RandomNetwork(leak=1.5)", lambda: mf.RandomNetwork(10, 1.5, time="discrete", leak=1.5), "leak")
    add("RandomNetwork(input=3)", lambda: mf.RandomNetwork(10, 1.5, input=3), "input")
    add("RandomNetwork(seed=-1)", lambda: mf.RandomNetwork(10, 1.5, seed=-1), "seed")
    add("RandomNetwork(seed='a')", lambda: mf.RandomNetwork(10, 1.5, seed="a"), "seed")
    for kw, pat in ((dict(J0=0.0), "J0"), (dict(J0=-1.0), "J0"), (dict(I0=-1.0), "I0"), (dict(K=0), "K"),
                    (dict(K=11), "K"), (dict(K=2.5), "K"), (dict(connectivity="full"), "connectivity"),
                    (dict(g=NAN), "g")):
        args = dict(N=10, g=2.0, J0=1.0, I0=1.0)
        args.update(kw)
        add(f"BalancedNetwork({kw})", lambda a=args: mf.BalancedNetwork(**a), pat)
    for kw, pat in ((dict(amplitude=-1.0), "amplitude"), (dict(amplitude=NAN), "amplitude"),
                    (dict(frequency=0.0), "frequency"), (dict(frequency=INF), "frequency"),
                    (dict(correlation=2.0), "correlation"), (dict(correlation="both"), "correlation"),
                    (dict(phase=NAN), "phase")):
        args = dict(amplitude=1.0, frequency=0.2)
        args.update(kw)
        add(f"SineInput({kw})", lambda a=args: mf.SineInput(**a), pat)
    for kw, pat in ((dict(std=-1.0), "std"), (dict(tau=0.0), "tau"), (dict(correlation=-0.1), "correlation")):
        args = dict(std=1.0, tau=1.0)
        args.update(kw)
        add(f"OUInput({kw})", lambda a=args: mf.OUInput(**a), pat)
    add("Flow(rhs=3)", lambda: mf.Flow(3, lambda t, x: -np.eye(1), [1.0]), "rhs")
    add("Flow(jacobian wrong shape)", lambda: mf.Flow(lambda t, x: -x, lambda t, x: -np.eye(2), [1.0]),
        "jacobian")
    add("Flow(rhs wrong shape)", lambda: mf.Flow(lambda t, x: np.zeros(2), lambda t, x: -np.eye(1), [1.0]),
        "rhs")
    add("Flow(x0 2-d)", lambda: mf.Flow(lambda t, x: -x, lambda t, x: -np.eye(1), [[1.0]]), "x0")
    add("Flow(x0 nan)", lambda: mf.Flow(lambda t, x: -x, lambda t, x: -np.eye(1), [NAN]), "x0")
    add("Map(step=None)", lambda: mf.Map(None, lambda x: np.eye(1), [1.0]), "step")
    # simulate
    for v in (0.0, -1.0, NAN, "10"):
        add(f"simulate(t_max={v!r})", lambda v=v: mf.simulate(net, v, progress=False), "t_max")
    for v in (0.0, NAN, 3.0, "0.1"):
        add(f"simulate(dt={v!r})", lambda v=v: mf.simulate(net, 1.0, dt=v, progress=False), "dt")
    add("simulate(integrator='rk5')", lambda: mf.simulate(net, 1.0, integrator="rk5", progress=False),
        "integrator")
    add("simulate(record='some')", lambda: mf.simulate(net, 1.0, record="some", progress=False), "record")
    add("simulate(record=[100])", lambda: mf.simulate(net, 1.0, record=[100], progress=False), "record")
    add("simulate(record_every=0)", lambda: mf.simulate(net, 1.0, record_every=0, progress=False),
        "record_every")
    add("simulate(t_warmup=-1)", lambda: mf.simulate(net, 1.0, t_warmup=-1.0, progress=False), "t_warmup")
    add("simulate(t_warmup=0.05)", lambda: mf.simulate(net, 1.0, t_warmup=0.05, progress=False), "t_warmup")
    add("simulate(x0 wrong shape)", lambda: mf.simulate(net, 1.0, x0=np.zeros(3), progress=False), "x0")
    add("simulate(x0 nan)", lambda: mf.simulate(net, 1.0, x0=np.full(10, NAN), progress=False), "x0")
    add("simulate(seed='x')", lambda: mf.simulate(net, 1.0, seed="x", progress=False), "seed")
    add("simulate(Flow)", lambda: mf.simulate(_decay_flow(), 1.0, progress=False), "model")
    add("simulate(sine f dt = 1)", lambda: mf.simulate(mf.RandomNetwork(10, 1.5, input=mf.SineInput(5, 10)),
                                                       1.0, progress=False), "frequency 10")
    add("simulate(sine f = 20.5)",
        lambda: mf.simulate(mf.RandomNetwork(10, 1.5, input=mf.SineInput(5, 20.5)), 1.0, progress=False),
        "frequency 20.5")
    add("simulate(discrete map, sine f = 1)",
        lambda: mf.simulate(mf.RandomNetwork(10, 1.5, time="discrete", input=mf.SineInput(5, 1.0)), 10.0,
                            progress=False), "alias frequency 0")
    add("dmft.solve(nonstationary, sine f dt = 1)",
        lambda: mf.dmft.solve(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, input=mf.SineInput(1.0, 16.0)),
                              method="nonstationary", dt=1 / 16, n_steps=256, band=64), "frequency 16")
    # lyapunov_spectrum
    for v, pat in ((0, "n_exponents"), (11, "n_exponents"), (1.5, "n_exponents")):
        add(f"lyapunov_spectrum(n_exponents={v!r})", lambda v=v: mf.lyapunov_spectrum(net, v, **lt), pat)
    add("lyapunov_spectrum(t_sim=0)", lambda: mf.lyapunov_spectrum(net, 2, **dict(lt, t_sim=0.0)), "t_sim")
    add("lyapunov_spectrum(t_sim=nan)", lambda: mf.lyapunov_spectrum(net, 2, **dict(lt, t_sim=NAN)), "t_sim")
    add("lyapunov_spectrum(t_ons=0)", lambda: mf.lyapunov_spectrum(net, 2, t_ons=0.0, **lt), "t_ons")
    add("lyapunov_spectrum(t_ons=0.15)", lambda: mf.lyapunov_spectrum(net, 2, t_ons=0.15, **lt), "t_ons")
    add("lyapunov_spectrum(n_blocks=1)", lambda: mf.lyapunov_spectrum(net, 2, n_blocks=1, **lt), "n_blocks")
    add("lyapunov_spectrum(history_every=0)", lambda: mf.lyapunov_spectrum(net, 2, history_every=0, **lt),
        "history_every")
    add("lyapunov_spectrum(t_warmup_tangent=0.55)",
        lambda: mf.lyapunov_spectrum(net, 2, t_warmup_tangent=0.55, **lt), "t_warmup_tangent")
    add("lyapunov_spectrum(t_warmup_tangent=-1)",
        lambda: mf.lyapunov_spectrum(net, 2, t_warmup_tangent=-1.0, **lt), "t_warmup_tangent")
    add("lyapunov_spectrum(Flow, checkpoint=)",
        lambda: mf.lyapunov_spectrum(_decay_flow(), checkpoint=tmp + "/ck.npz", **lt), "checkpoint")
    add("lyapunov_spectrum(checkpoint_every='60')",
        lambda: mf.lyapunov_spectrum(net, 2, checkpoint=tmp + "/ck2.npz", checkpoint_every="60", **lt),
        "checkpoint_every")
    add("lyapunov_spectrum(checkpoint=3)", lambda: mf.lyapunov_spectrum(net, 2, checkpoint=3, **lt),
        "checkpoint")
    add("lyapunov_spectrum(integrator='rk5')", lambda: mf.lyapunov_spectrum(net, 2, integrator="rk5", **lt),
        "integrator")
    add("lyapunov_spectrum(Map, dt=0.5)",
        lambda: mf.lyapunov_spectrum(mf.Map(lambda x: 0.5 * x, lambda x: 0.5 * np.eye(1), [1.0]), dt=0.5,
                                     **lt), "dt")
    add("lyapunov_spectrum(model='net')", lambda: mf.lyapunov_spectrum("net", **lt), "model")
    for name, path in files.items():
        if name != "other-class":
            add(f"lyapunov_spectrum(checkpoint={name})",
                lambda p=path: mf.lyapunov_spectrum(net, 2, checkpoint=p, **lt), "not a meanfield checkpoint")
    # lyapunov_max
    add("lyapunov_max(n_blocks=1)", lambda: mf.lyapunov_max(net, n_blocks=1, **lt), "n_blocks")
    add("lyapunov_max(t_ons=0.15)", lambda: mf.lyapunov_max(net, t_ons=0.15, **lt), "t_ons")
    add("lyapunov_max(x0 nan)", lambda: mf.lyapunov_max(net, x0=np.full(10, NAN), **lt), "x0")
    add("lyapunov_spectrum(x0 wrong shape)", lambda: mf.lyapunov_spectrum(net, 2, x0=np.zeros(3), **lt), "x0")
    add("RandomNetwork(phi=None)", lambda: mf.RandomNetwork(10, 1.5, phi=None), "phi")
    add("dmft.stationary(tau_max=-5)", lambda: dmft.stationary(net, tau_max=-5.0), "tau_max")
    add("dmft.stationary(tau_max=nan)", lambda: dmft.stationary(net, tau_max=NAN), "tau_max")
    add("lyapunov_max(method='qr2')", lambda: mf.lyapunov_max(net, method="qr2", **lt), "method")
    for v in (0.0, 1.0, NAN, "1e-8"):
        add(f"lyapunov_max(d0={v!r})", lambda v=v: mf.lyapunov_max(net, d0=v, **lt), "d0")
    add("lyapunov_max(method='qr', d0=1e-6)", lambda: mf.lyapunov_max(net, method="qr", d0=1e-6, **lt), "d0")
    add("lyapunov_max(method='qr', integrator='rk5')",
        lambda: mf.lyapunov_max(net, method="qr", integrator="rk5", **lt), "integrator")
    # numerical failures that would return wrong numbers
    add("simulate(g=2, rk4, dt=2.0)", lambda: mf.simulate(big, 40, dt=2.0, progress=False, seed=1), "dt <= ")
    add("simulate(g=2, euler, dt=1.0)",
        lambda: mf.simulate(big, 40, dt=1.0, integrator="euler", progress=False, seed=1), "dt <= ")
    add("lyapunov_spectrum(Lorenz, rk4, dt=0.1)",
        lambda: mf.lyapunov_spectrum(_lorenz_flow(), t_sim=20, t_warmup=1, dt=0.1, t_ons=0.1, progress=False),
        "dt <= ")
    add("lyapunov_spectrum(x'=-x, dt=2.5)",
        lambda: mf.lyapunov_spectrum(_decay_flow(), t_sim=25, t_warmup=0, dt=2.5, t_ons=2.5, progress=False),
        "dt <= ")
    add("simulate(balanced N=K=300, dt=0.5)",
        lambda: mf.simulate(mf.BalancedNetwork(300, 2.0, 1.0, 1.0, seed=1), 50, dt=0.5, progress=False),
        "dt <= |dt < ")
    add("lyapunov_spectrum(user phi' NaN)",
        lambda: mf.lyapunov_spectrum(mf.RandomNetwork(20, 2.0, phi=(phi_ok, _nan_dphi), seed=1), 2, **lt),
        "became NaN")
    add("lyapunov_spectrum(Flow rhs NaN)",
        lambda: mf.lyapunov_spectrum(mf.Flow(lambda t, x: -x if t < 1 else x * NAN, lambda t, x: -np.eye(1),
                                             [1.0]), **lt), "became NaN")
    # results and files
    for name, path in files.items():
        if name == "other-class":
            add("SimulationResult.load(LyapunovResult file)", lambda p=path: mf.SimulationResult.load(p),
                "holds a LyapunovResult")
        else:
            add(f"LyapunovResult.load({name})", lambda p=path: mf.LyapunovResult.load(p),
                "not a meanfield result|not a complete|not a valid")
    add("PhaseDiagram.load(random bytes)", lambda: mf.PhaseDiagram.load(files["random-bytes"]),
        "not a meanfield result")
    for cls in (mf.rnn.FlossResult, mf.rnn.TaskResult, mf.rnn.SBPTTResult):
        for name in ("random-bytes", "foreign-npz", "npy-named-npz", "pickled-npy", "broken-meta"):
            add(f"{cls.__name__}.load({name})", lambda c=cls, p=files[name]: c.load(p),
                f"not a (valid )?meanfield {cls.__name__}|holds a LyapunovResult")
    add("LyapunovResult.load(missing file)", lambda: mf.LyapunovResult.load(tmp + "/nope.npz"), "nope")
    # theory
    add("dmft.lyapunov_max(bogus_option=1, order=7)",
        lambda: dmft.lyapunov_max(mf.RandomNetwork(100, 2.0), bogus_option=1, order=7), "bogus_option")
    add("dmft.solve(method='foo')", lambda: dmft.solve(net, method="foo"), "method")
    add("dmft.solve(Flow)", lambda: dmft.solve(_decay_flow()), "model")
    add("dmft.solve(stationary=3)", lambda: dmft.solve(net, stationary=3), "stationary")
    for kw, pat in ((dict(g=0.0), "g"), (dict(g=NAN), "g"), (dict(time="Discrete"), "time"),
                    (dict(leak=0.5), "leak"), (dict(tau_max=-5.0), "tau_max"), (dict(tau_max=NAN), "tau_max"),
                    (dict(n_tau=1), "n_tau"), (dict(phi="relu"), "relu")):
        args = dict(g=2.0)
        args.update(kw)
        add(f"solve_scs({kw})", lambda a=args: dmft.solve_scs(**a), pat)
    for kw, pat in ((dict(K=0), "K"), (dict(J0=0.0), "J0"), (dict(g=NAN), "g"),
                    (dict(tau_max=-1.0), "tau_max")):
        args = dict(g=2.0, J0=1.0, I0=1.0, K=100)
        args.update(kw)
        add(f"solve_balanced({kw})", lambda a=args: dmft.solve_balanced(**a), pat)
    add("solve_independent(amplitude=1e6)", lambda: dmft.solve_independent(2.0, 1e6, 0.2), "amplitude")
    add("solve_independent(frequency=0)", lambda: dmft.solve_independent(2.0, 1.0, 0.0), "frequency")
    add("solve_independent(input='square')", lambda: dmft.solve_independent(2.0, 1.0, 0.2, input="square"),
        "input")
    add("critical_amplitude(frequency=-1)",
        lambda: mf.critical_amplitude(mf.RandomNetwork(100, 2.0), frequency=-1.0), "frequency")
    add("critical_amplitude(method='foo')",
        lambda: mf.critical_amplitude(mf.RandomNetwork(100, 2.0), frequency=0.2, method="foo"), "method")
    add("phase_diagram(parameter='foo')",
        lambda: mf.phase_diagram(net, "foo", [0.1], [0.0, 1.0], progress=False), "parameter")
    add("phase_diagram(amplitudes=[nan])",
        lambda: mf.phase_diagram(net, "frequency", [0.1], [NAN], progress=False), "amplitudes")
    add("phase_diagram(on_error='ignore')",
        lambda: mf.phase_diagram(net, "frequency", [0.1], [0.0, 1.0], on_error="ignore", progress=False),
        "on_error")
    add("phase_diagram(point returns NaN)",
        lambda: mf.phase_diagram(net, "frequency", [0.1], [0.0, 1.0], lambda_fn=_nan_lambda, max_workers=1,
                                 progress=False), "lambda_max = nan")
    add("phase_diagram(output=random bytes)",
        lambda: mf.phase_diagram(net, "frequency", [0.1], [0.0, 1.0], lambda_fn=_nan_lambda, max_workers=1,
                                 output=files["random-bytes"], progress=False), "not a meanfield result")
    add("rmt.lyapunov_spectrum(method='foo')", lambda: rmt.lyapunov_spectrum(net, method="foo"), "method")
    add("rmt.lyapunov_spectrum(Flow)", lambda: rmt.lyapunov_spectrum(_decay_flow()), "model")
    add("kaplan_yorke('abc')", lambda: mf.kaplan_yorke("abc"), "exponents|could not convert|string")
    return rows


def _nan_lambda(model, **kw):
    return math.nan, math.nan


_CLEAR_TYPES = (ValueError, TypeError, FileNotFoundError, mf.MeanfieldError)


def _outcome(call, pattern):
    import re
    import warnings
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            call()
        except _CLEAR_TYPES as exc:
            return ("clear" if re.search(pattern, str(exc)) else "obscure"), f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 -- an obscure error is an outcome to count
            return "obscure", f"{type(exc).__name__}: {exc}"
    for w in rec:
        if issubclass(w.category, mf.MeanfieldWarning) and re.search(pattern, str(w.message)):
            return "clear", f"{w.category.__name__}: {w.message}"
    return "silent", "returned without an error or a warning"


def outcome_counts(tmp):
    """{'tried', 'clear', 'obscure', 'silent'} and the rows that are not clear."""
    counts = {"tried": 0, "clear": 0, "obscure": 0, "silent": 0}
    bad = []
    for rid, call, pattern in _table(tmp):
        kind, msg = _outcome(call, pattern)
        counts["tried"] += 1
        counts[kind] += 1
        if kind != "clear":
            bad.append(f"{kind}: {rid}: {msg[:200]}")
    return counts, bad


def test_every_bad_input_gets_a_clear_error_or_warning(tmp_path):
    counts, bad = outcome_counts(str(tmp_path))
    assert counts["tried"] >= 150
    assert counts["obscure"] == 0 and counts["silent"] == 0, "\n".join(bad)
