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
