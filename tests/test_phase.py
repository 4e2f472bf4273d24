"""Critical amplitudes and phase diagrams: root finding, grids, executors, resume, plots, bad input.

Most tests replace λ_max by an analytic stand-in with a known root,
λ(I1) = a − b I1² (1 + c) (100 / N) / (1 + f²), so I1_c = sqrt(a (1 + f²) N / (100 b (1 + c)));
it grows like sqrt(N), as the common critical amplitude of the balanced network does.
"""
import math
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import meanfield as mf
from meanfield.phase import CriticalAmplitude, CriticalAmplitudeError, theory_lambda

A, B = 0.5, 1.0


def analytic_lambda(model, a=A, b=B):
    """Picklable stand-in for the theory λ_max (1/τ)."""
    if model.input is None:
        return a
    inp = model.input
    return a - b * inp.amplitude ** 2 * (1 + inp.c) * (100.0 / model.N) / (1 + inp.frequency ** 2)


def analytic_root(f, c, N=100, a=A, b=B):
    return math.sqrt(a * (1 + f * f) * N / (100.0 * b * (1 + c)))


def noisy_lambda(model, seed, a=A, b=B, sd=0.02):
    """Stand-in for a simulation: the analytic λ plus noise fixed by (seed, amplitude)."""
    amp = 0.0 if model.input is None else model.input.amplitude
    rng = np.random.default_rng([seed, int(round(amp * 1e9))])
    return analytic_lambda(model, a, b) + sd * rng.standard_normal(), sd


def positive_lambda(model):
    return 0.3


FAIL = {"amplitudes": set()}
CALLS = []
_lock = threading.Lock()


def flaky_lambda(model):
    """Fails at the amplitudes in FAIL; records calls (serial or thread executors only)."""
    amp = 0.0 if model.input is None else model.input.amplitude
    with _lock:
        CALLS.append((model.input.frequency if model.input else None, amp))
    if amp in FAIL["amplitudes"]:
        raise RuntimeError(f"planned failure at {amp}")
    return analytic_lambda(model), 1e-3


@pytest.fixture
def balanced():
    return mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1)


@pytest.fixture
def random_net():
    return mf.RandomNetwork(50, 2.0, seed=1)


# ---------------------------------------------------------------- critical_amplitude, theory path

@pytest.mark.parametrize("corr,c", [("common", 1.0), ("independent", 0.0), (0.5, 0.5)])
def test_root_of_analytic_lambda(balanced, corr, c):
    r = mf.critical_amplitude(balanced, 0.3, corr, lambda_fn=analytic_lambda)
    assert isinstance(r, CriticalAmplitude)
    assert r.amplitude == pytest.approx(analytic_root(0.3, c), rel=1e-5)
    assert float(r) == r.amplitude
    # slope of the analytic curve at the root
    assert r.slope == pytest.approx(-2 * B * r.amplitude * (1 + c) / (1 + 0.09), rel=0.05)
    assert r.amplitude_error < 1e-4 and r.method == "dmft"
    assert r.lambda_max[0] == A and r.amplitudes[0] == 0.0


def test_bracket_expands_until_sign_change(random_net):
    # root near 7.9: the first upper end (1) is expanded 1 -> 2 -> 4 -> 8
    r = mf.critical_amplitude(random_net, 0.5, "independent", lambda_fn=analytic_lambda,
                              options={"a": 100.0})
    assert r.amplitude == pytest.approx(analytic_root(0.5, 0.0, N=50, a=100.0), rel=1e-5)
    assert r.bracket == [4.0, 8.0]
    assert {1.0, 2.0, 4.0, 8.0} <= set(r.amplitudes.tolist())


def test_user_bracket(random_net):
    root = analytic_root(0.2, 0.0, N=50)
    r = mf.critical_amplitude(random_net, 0.2, "independent", lambda_fn=analytic_lambda,
                              bracket=(0.1, 3.0), xtol=1e-10, rtol=1e-10)
    assert r.amplitude == pytest.approx(root, rel=1e-9)
    assert r.bracket == [0.1, 3.0]


def test_no_sign_change_raises_with_the_values_seen(random_net):
    with pytest.raises(CriticalAmplitudeError, match=r"no sign change.*λ\(0\) = 0.3") as e:
        mf.critical_amplitude(random_net, 0.2, lambda_fn=positive_lambda, max_expand=3)
    d = e.value.diagnostics
    assert d["amplitudes"] == [0.0, 1.0, 2.0, 4.0, 8.0] and d["lambda_max"] == [0.3] * 5
    with pytest.raises(CriticalAmplitudeError, match="no sign change"):
        mf.critical_amplitude(random_net, 0.2, lambda_fn=positive_lambda, bracket=(0, 5))


def test_not_chaotic_at_lower_end_raises(random_net):
    with pytest.raises(CriticalAmplitudeError, match="not chaotic"):
        mf.critical_amplitude(random_net, 0.2, lambda_fn=analytic_lambda, options={"a": -0.1})


def test_result_save_load(tmp_path, balanced):
    r = mf.critical_amplitude(balanced, 0.2, "independent", lambda_fn=analytic_lambda)
    p = r.save(tmp_path / "crit.npz")
    s = CriticalAmplitude.load(p)
    assert s.amplitude == r.amplitude and np.array_equal(s.lambda_max, r.lambda_max)
    assert s.model["type"] == "BalancedNetwork" and "numpy" in s.versions


# ---------------------------------------------------------------- critical_amplitude, simulation path

def test_noisy_root_within_standard_errors(random_net):
    root = analytic_root(0.5, 0.0, N=50)
    r = mf.critical_amplitude(random_net, 0.5, "independent", method="simulation", lambda_fn=noisy_lambda,
                              n_seeds=6, max_workers=1)
    assert r.samples.shape == (r.amplitudes.size, 6)
    assert 0 < r.amplitude_error < 0.05
    assert abs(r.amplitude - root) < 4 * r.amplitude_error + 2e-3
    assert r.parameters["stderr_jackknife"] > 0 and r.parameters["stderr_delta"] > 0
    # same seeds -> same answer
    r2 = mf.critical_amplitude(random_net, 0.5, "independent", method="simulation", lambda_fn=noisy_lambda,
                               n_seeds=6, max_workers=1)
    assert r2.amplitude == r.amplitude


def test_noisy_root_standard_error_is_calibrated(random_net):
    root = analytic_root(0.5, 0.0, N=50)
    z = []
    for seed in range(12):
        r = mf.critical_amplitude(random_net, 0.5, "independent", method="simulation",
                                  lambda_fn=noisy_lambda, n_seeds=4, seed=seed, max_workers=1)
        z.append((r.amplitude - root) / r.amplitude_error)
    z = np.array(z)
    assert np.all(np.abs(z) < 4)
    assert np.sqrt(np.mean(z ** 2)) < 2.0      # not badly under-estimated


def test_one_seed_uses_the_runs_own_error(random_net):
    r = mf.critical_amplitude(random_net, 0.5, "independent", method="simulation", lambda_fn=noisy_lambda,
                              n_seeds=1, max_workers=1)
    assert np.all(r.lambda_max_error == 0.02)
    assert "stderr_jackknife" not in r.parameters and r.amplitude_error > 0


def test_simulation_small_random_network():
    # SCS network, g = 3, independent input: I1_c ~ 3.0 (measured over 4 run seeds: 2.97-3.30)
    net = mf.RandomNetwork(150, 3.0, seed=3)
    r = mf.critical_amplitude(net, 0.2, "independent", method="simulation", n_seeds=2, rounds=2,
                              n_points=4, max_workers=1, options={"t_sim": 80.0, "t_warmup": 20.0})
    assert 2.0 < r.amplitude < 4.5 and 0 < r.amplitude_error < 1.0
    assert r.lambda_max[0] > 0 and np.any(r.lambda_max < 0)
    assert r.parameters["lambda_fn"] == "meanfield.phase.simulation_lambda"


def test_simulation_threads_equal_serial(random_net):
    kw = dict(method="simulation", lambda_fn=noisy_lambda, n_seeds=3)
    a = mf.critical_amplitude(random_net, 0.5, "independent", max_workers=1, **kw)
    with ThreadPoolExecutor(2) as ex:
        b = mf.critical_amplitude(random_net, 0.5, "independent", executor=ex, **kw)
    assert a.amplitude == b.amplitude and np.array_equal(a.samples, b.samples)


# ---------------------------------------------------------------- phase_diagram

def test_frequency_grid_and_critical_curve(balanced):
    amps = np.linspace(0, 1.2, 25)
    f = [0.1, 0.3, 0.6]
    pd = mf.phase_diagram(balanced, "frequency", f, amps, correlation=["common", "independent"],
                          lambda_fn=analytic_lambda, max_workers=1, progress=False)
    assert pd.lambda_max.shape == (2, 3, 25) and pd.complete
    assert pd.axes == ("correlation", "frequency", "amplitude")
    assert pd.units["frequency"] == "1/τ" and pd.units["lambda_max"] == "1/τ"
    for i, c in enumerate((1.0, 0.0)):
        for j, fj in enumerate(f):
            model = mf.BalancedNetwork(100, 2.0, 1.0, 1.0, input=mf.SineInput(amps[7], fj, c))
            assert pd.lambda_max[i, j, 7] == pytest.approx(analytic_lambda(model))
            # linear interpolation of a parabola on a 0.05 grid
            assert pd.critical_amplitude[i, j] == pytest.approx(analytic_root(fj, c), abs=2e-3)
    x, crit, se = pd.critical_curve("independent")
    assert np.array_equal(x, f) and np.array_equal(crit, pd.critical_amplitude[1])
    a, lam, _ = pd.lambda_curve(0.3, "common")
    assert np.array_equal(lam, pd.lambda_max[0, 1])


def test_refined_curve_and_sqrt_N_growth(balanced):
    Ns = [100, 400, 1600]
    pd = mf.phase_diagram(balanced, "N", Ns, np.linspace(0, 3, 7), correlation="common",
                          lambda_fn=analytic_lambda, refine=True, max_workers=1, progress=False)
    assert pd.critical_method == "root"
    expect = [analytic_root(0.2, 1.0, N) for N in Ns]
    assert np.allclose(pd.critical_amplitude[0], expect, rtol=1e-5)
    assert np.allclose(np.diff(np.log(pd.critical_amplitude[0])) / np.diff(np.log(Ns)), 0.5)


def test_N_axis_keeps_K_equal_N_and_K_axis(balanced):
    seen = []

    def record(model):
        seen.append((model.N, model.K))
        return 1.0
    mf.phase_diagram(balanced, "N", [50, 80], [0.0], lambda_fn=record, max_workers=1, progress=False)
    assert sorted(seen) == [(50, 50), (80, 80)]
    seen.clear()
    mf.phase_diagram(balanced, "K", [10, 20], [0.0], lambda_fn=record, max_workers=1, progress=False)
    assert sorted(seen) == [(100, 10), (100, 20)]


def test_g_axis(random_net):
    gs = []

    def record(model):
        gs.append(model.g)
        return 1.0 - model.input.amplitude if model.input else 1.0
    pd = mf.phase_diagram(random_net, "g", [1.5, 2.5], [0.0, 0.5, 2.0], lambda_fn=record, max_workers=1,
                          progress=False)
    assert sorted(set(gs)) == [1.5, 2.5]
    assert np.allclose(pd.critical_amplitude, 1.0)


def test_rows_without_sign_change_give_nan(balanced):
    pd = mf.phase_diagram(balanced, "frequency", [0.2], [0.0, 0.1], lambda_fn=analytic_lambda, max_workers=1,
                          progress=False)
    assert np.isnan(pd.critical_amplitude[0, 0])


@pytest.mark.parametrize("kind", ["thread", "process", "futures-like"])
def test_executors_give_the_serial_grid(balanced, kind):
    kw = dict(correlation=["common", "independent"], lambda_fn=analytic_lambda, progress=False)
    amps = np.linspace(0, 1, 6)
    ref = mf.phase_diagram(balanced, "frequency", [0.1, 0.4], amps, max_workers=1, **kw)
    if kind == "thread":
        with ThreadPoolExecutor(2) as ex:
            pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.4], amps, executor=ex, **kw)
    elif kind == "process":
        with ProcessPoolExecutor(2) as ex:
            pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.4], amps, executor=ex, **kw)
    else:
        pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.4], amps, executor=_LazyClient(), **kw)
    assert np.array_equal(pd.lambda_max, ref.lambda_max)
    assert np.array_equal(pd.critical_amplitude, ref.critical_amplitude, equal_nan=True)


def test_default_process_pool(balanced):
    pd = mf.phase_diagram(balanced, "frequency", [0.2], [0.0, 0.5, 1.0], lambda_fn=analytic_lambda,
                          max_workers=2, progress=False)
    assert pd.complete and np.isfinite(pd.critical_amplitude[0, 0])


class _LazyFuture:
    """A Dask-like future: not a concurrent.futures.Future; runs when first polled."""

    def __init__(self, fn, args):
        self.fn, self.args, self._done, self.polls = fn, args, False, 0

    def done(self):
        self.polls += 1
        if self.polls > 2 and not self._done:
            self.value, self._done = self.fn(*self.args), True
        return self._done

    def result(self):
        while not self.done():
            pass
        return self.value

    def cancel(self):
        return False


class _LazyClient:
    def submit(self, fn, *args):
        return _LazyFuture(fn, args)


def test_simulation_grid_with_noise(balanced):
    pd = mf.phase_diagram(balanced, "frequency", [0.2], np.linspace(0, 1.2, 13), correlation="independent",
                          method="simulation", lambda_fn=noisy_lambda, n_seeds=3, max_workers=1,
                          progress=False)
    assert pd.samples.shape == (1, 1, 13, 3)
    assert np.allclose(pd.lambda_max, pd.samples.mean(axis=-1))
    assert np.allclose(pd.lambda_max_error, pd.samples.std(axis=-1, ddof=1) / math.sqrt(3))
    root = analytic_root(0.2, 0.0)
    assert abs(pd.critical_amplitude[0, 0] - root) < 5 * pd.critical_amplitude_error[0, 0] + 0.01


# ---------------------------------------------------------------- resume, save/load

def test_resume_skips_finished_points(tmp_path, balanced):
    out = tmp_path / "pd.npz"
    amps = [0.0, 0.25, 0.5, 0.75, 1.0]
    kw = dict(lambda_fn=flaky_lambda, max_workers=1, progress=False, output=out, checkpoint_every=0)
    FAIL["amplitudes"] = {0.75}
    CALLS.clear()
    with pytest.raises(RuntimeError, match="planned failure"):
        mf.phase_diagram(balanced, "frequency", [0.1, 0.2], amps, **kw)
    part = mf.PhaseDiagram.load(out)
    n_done = int(part.done.sum())
    assert 0 < n_done < 10 and not part.complete
    assert np.all(np.isfinite(part.samples[part.done])) and np.all(np.isnan(part.samples[~part.done]))
    FAIL["amplitudes"] = set()
    CALLS.clear()
    pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.2], amps, **kw)
    assert len(CALLS) == 10 - n_done and pd.complete
    ref = mf.phase_diagram(balanced, "frequency", [0.1, 0.2], amps, lambda_fn=flaky_lambda, max_workers=1,
                           progress=False)
    assert np.array_equal(pd.lambda_max, ref.lambda_max)
    assert np.array_equal(mf.PhaseDiagram.load(out).critical_amplitude, ref.critical_amplitude)
    CALLS.clear()
    mf.phase_diagram(balanced, "frequency", [0.1, 0.2], amps, **kw)
    assert CALLS == []                                  # all done: nothing recomputed


def test_resume_refuses_another_sweep(tmp_path, balanced):
    out = tmp_path / "pd.npz"
    mf.phase_diagram(balanced, "frequency", [0.1], [0.0, 1.0], lambda_fn=analytic_lambda, max_workers=1,
                     progress=False, output=out)
    with pytest.raises(ValueError, match="other parameters"):
        mf.phase_diagram(balanced, "frequency", [0.2], [0.0, 1.0], lambda_fn=analytic_lambda, max_workers=1,
                         progress=False, output=out)


def test_on_error_nan_records_the_failure(balanced):
    FAIL["amplitudes"] = {0.5}
    try:
        pd = mf.phase_diagram(balanced, "frequency", [0.2], [0.0, 0.5, 1.0], lambda_fn=flaky_lambda,
                              max_workers=1, progress=False, on_error="nan")
    finally:
        FAIL["amplitudes"] = set()
    assert np.isnan(pd.lambda_max[0, 0, 1]) and pd.complete
    assert "planned failure" in pd.parameters["errors"][0]["error"]
    # the crossing is found between the finite neighbours of the failed point
    assert pd.critical_amplitude[0, 0] == pytest.approx(0.0 + 1.0 * A / (A - pd.lambda_max[0, 0, 2]))


def test_save_load_roundtrip(tmp_path, balanced):
    pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.3], np.linspace(0, 1, 5),
                          correlation=["common", 0.25], lambda_fn=analytic_lambda, max_workers=1,
                          progress=False)
    q = mf.PhaseDiagram.load(pd.save(tmp_path / "x.npz"))
    for name in ("values", "amplitudes", "lambda_max", "critical_amplitude", "done"):
        assert np.array_equal(getattr(q, name), getattr(pd, name), equal_nan=True)
    assert q.correlations == ["common", 0.25] and q.parameter == "frequency" and q.frequency is None
    assert q.versions["meanfield"] == mf.__version__


# ---------------------------------------------------------------- plotting

def test_plots(tmp_path, balanced):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from meanfield.plotting import plot_lambda_amplitude
    pd = mf.phase_diagram(balanced, "frequency", [0.1, 0.3, 0.5], np.linspace(0, 1, 6),
                          correlation=["common", "independent"], lambda_fn=analytic_lambda, max_workers=1,
                          progress=False)
    ax = mf.plot_phase_diagram(pd, correlation="common")
    assert len(ax.collections) >= 1 and ax.get_xlabel().startswith("input frequency")
    ax.figure.savefig(tmp_path / "heat.png")
    ax = pd.plot(simulation=pd)
    assert len(ax.get_legend().get_texts()) == 4
    sims = mf.phase_diagram(balanced, "N", [100, 400], np.linspace(0, 2, 5), method="simulation",
                            lambda_fn=noisy_lambda, n_seeds=2, max_workers=1, progress=False)
    ax = mf.plot_phase_diagram(sims)
    assert ax.get_xscale() == "log"
    crit = mf.critical_amplitude(balanced, 0.2, "independent", method="simulation", lambda_fn=noisy_lambda,
                                 n_seeds=2, max_workers=1)
    ax = plot_lambda_amplitude([pd, crit])
    ax.figure.savefig(tmp_path / "lam.png")
    assert (tmp_path / "lam.png").stat().st_size > 0
    with pytest.raises(ValueError, match="single correlation"):
        mf.plot_phase_diagram(pd, heatmap=True)
    plt.close("all")


# ---------------------------------------------------------------- bad input

def test_bad_input(balanced, random_net):
    with_input = mf.RandomNetwork(20, 2.0, input=mf.SineInput(1.0, 0.2))
    with pytest.raises(ValueError, match="model must have no input"):
        mf.critical_amplitude(with_input, 0.2, lambda_fn=analytic_lambda)
    with pytest.raises(TypeError, match="model must be"):
        mf.critical_amplitude("net", 0.2)
    with pytest.raises(ValueError, match="frequency"):
        mf.critical_amplitude(random_net, 0.0, lambda_fn=analytic_lambda)
    with pytest.raises(ValueError, match="correlation"):
        mf.critical_amplitude(random_net, 0.2, "partial", lambda_fn=analytic_lambda)
    with pytest.raises(ValueError, match="method"):
        mf.critical_amplitude(random_net, 0.2, method="mean-field")
    with pytest.raises(ValueError, match="bracket"):
        mf.critical_amplitude(random_net, 0.2, bracket=(2.0, 1.0), lambda_fn=analytic_lambda)
    with pytest.raises(TypeError, match="bracket"):
        mf.critical_amplitude(random_net, 0.2, bracket=3.0, lambda_fn=analytic_lambda)
    with pytest.raises(ValueError, match="n_seeds"):
        mf.critical_amplitude(random_net, 0.2, method="simulation", n_seeds=0)
    with pytest.raises(TypeError, match="lambda_fn"):
        mf.critical_amplitude(random_net, 0.2, lambda_fn=3)
    with pytest.raises(TypeError, match="options"):
        mf.critical_amplitude(random_net, 0.2, options=[1])
    kw = dict(lambda_fn=analytic_lambda, max_workers=1, progress=False)
    with pytest.raises(ValueError, match="parameter"):
        mf.phase_diagram(balanced, "J0", [1.0], [0.0], **kw)
    with pytest.raises(ValueError, match="amplitudes must be >= 0"):
        mf.phase_diagram(balanced, "frequency", [0.2], [-1.0, 0.0], **kw)
    with pytest.raises(ValueError, match="strictly increasing"):
        mf.phase_diagram(balanced, "frequency", [0.2], [1.0, 0.0], **kw)
    with pytest.raises(ValueError, match=r"values \(frequency\) must be > 0"):
        mf.phase_diagram(balanced, "frequency", [0.0], [0.0], **kw)
    with pytest.raises(ValueError, match=r"values \(N\) must be integers"):
        mf.phase_diagram(balanced, "N", [10.5], [0.0], **kw)
    with pytest.raises(ValueError, match=r"K must be|values \(K\) must be <="):
        mf.phase_diagram(balanced, "K", [200], [0.0], **kw)
    with pytest.raises(ValueError, match="BalancedNetwork"):
        mf.phase_diagram(random_net, "K", [10], [0.0], **kw)
    with pytest.raises(ValueError, match="on_error"):
        mf.phase_diagram(balanced, "frequency", [0.2], [0.0], on_error="skip", **kw)
    with pytest.raises(TypeError, match="executor"):
        mf.phase_diagram(balanced, "frequency", [0.2], [0.0], lambda_fn=analytic_lambda, executor=object(),
                         progress=False)
    with pytest.raises(ValueError, match="correlation"):
        mf.phase_diagram(balanced, "frequency", [0.2], [0.0], correlation=["common", 2.0], **kw)


def test_lambda_fn_return_forms(random_net):
    class R:
        lambda_max, lambda_max_error = -1.0, 0.01
    for fn in (lambda m: R(), lambda m: (-1.0, 0.01), lambda m: -1.0):
        pd = mf.phase_diagram(random_net, "frequency", [0.2], [1.0], lambda_fn=fn, max_workers=1,
                              progress=False)
        assert pd.lambda_max[0, 0, 0] == -1.0
    with pytest.raises(TypeError, match="pair"):
        mf.phase_diagram(random_net, "frequency", [0.2], [1.0], lambda_fn=lambda m: (1, 2, 3), max_workers=1,
                         progress=False)


# ---------------------------------------------------------------- theory integration


def test_theory_lambda_obeys_relu_homogeneity():
    # ReLU is positively homogeneous: without input the balanced λ_max depends on g only, not on
    # N, K, J0 or I0 -- a check of the parameters the sweep evaluator passes, and it moves with g
    a = theory_lambda(mf.BalancedNetwork(5000, 2.0, 1.0, 1.0))
    b = theory_lambda(mf.BalancedNetwork(300, 2.0, 2.5, 0.3, K=40))
    c = theory_lambda(mf.BalancedNetwork(5000, 2.5, 1.0, 1.0))
    assert a.method == b.method == "stationary"
    assert abs(a.lambda_max - b.lambda_max) < 1e-10
    assert c.lambda_max - a.lambda_max > 1e-2
    # the mean rate is not invariant: ν = I0 / (J0 + x / (√K F1)) -- the parameters did arrive
    F1 = b.mean_rate / math.sqrt(b.variance)
    assert b.mean_rate == pytest.approx(0.3 / (2.5 + b.diagnostics["x"] / (math.sqrt(40) * F1)), rel=1e-9)


def test_theory_lambda_independent_input_uses_the_independent_theory():
    # one theory evaluation (a few seconds): the independent-input stationary DMFT
    m = mf.BalancedNetwork(5000, 2.0, 1.0, 1.0, input=mf.SineInput(1.0, 0.2, "independent"))
    r = theory_lambda(m)
    lam0 = theory_lambda(mf.BalancedNetwork(5000, 2.0, 1.0, 1.0)).lambda_max
    assert r.method == "independent"
    assert 0 < r.lambda_max < lam0 and r.lambda_max_error < 1e-3


def test_cli_phase_subcommand(tmp_path, capsys):
    from meanfield.cli import main
    argv = ["phase", "--model", "random", "--N", "60", "--g", "3", "--method", "simulation", "--values",
            "0.2", "--amplitudes", "0:4:3", "--correlation", "independent,common", "--n-seeds", "2",
            "--t-sim", "10", "--t-warmup", "2", "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    pd = mf.PhaseDiagram.load(tmp_path / "phase_diagram.npz")
    assert pd.lambda_max.shape == (2, 1, 3) and pd.complete and pd.correlations == ["independent", "common"]
    assert "critical_amplitude" in capsys.readouterr().out
    assert (tmp_path / "phase_diagram.png").stat().st_size > 0
    assert main(argv[:-3] + ["--input", "sine", "--out", str(tmp_path), "--no-progress"]) == 2


def _finite_N_corrected_theory(net, corr, th, sim, f=0.2):
    """Theory I1_c corrected for the simulation's measured finite-N deficit δ = λ_th(0) − λ_sim(0).

    The DMFT fluctuations are those of N → ∞; at N = 500-2000 the simulated balanced network is
    less chaotic (λ_sim(0) = 0.038, 0.058, 0.085 at N = 500, 1000, 2000 against 0.096).  The theory
    curve lowered by δ crosses zero at I1* with λ_th(I1*) = δ (root found on the theory).
    Returns (I1*, δ, SE of δ as an amplitude).
    """
    from scipy.optimize import brentq
    lam0_th = th.lambda_max[th.amplitudes == 0.0][0]
    j = int(np.nonzero(sim.amplitudes == 0.0)[0][0])
    delta, delta_se = lam0_th - sim.lambda_max[j], sim.lambda_max_error[j]
    if delta <= 0:
        return th.amplitude, delta, delta_se / abs(th.slope)

    def shifted(a):
        m = mf.BalancedNetwork(net.N, net.g, net.J0, net.I0, input=mf.SineInput(a, f, corr))
        return theory_lambda(m).lambda_max - delta

    a_star = brentq(shifted, 0.0, th.amplitude, xtol=1e-3 * th.amplitude)
    return a_star, delta, delta_se * (th.amplitude - a_star) / delta


@pytest.mark.slow
def test_independent_theory_vs_simulation_balanced():
    """Balanced network, independent input, f = 0.2: theory and simulation critical amplitudes (N = 1000)."""
    pytest.importorskip("meanfield.dmft.independent")
    net = mf.BalancedNetwork(1000, 2.0, 1.0, 1.0, seed=1)
    th = mf.critical_amplitude(net, 0.2, "independent", method="dmft")
    sim = mf.critical_amplitude(net, 0.2, "independent", method="simulation", n_seeds=4, max_workers=2,
                                bracket=(0.0, 2 * th.amplitude), options={"t_sim": 300.0, "t_warmup": 50.0})
    a_star, delta, shift_se = _finite_N_corrected_theory(net, "independent", th, sim)
    print(f"independent: theory {th.amplitude:.4f} ± {th.amplitude_error:.2g}, "
          f"simulation {sim.amplitude:.4f} ± "
          f"{sim.amplitude_error:.2g}, λ(0) deficit {delta:.4f}, "
          f"corrected theory {a_star:.4f} ± {shift_se:.2g}")
    assert -0.02 < delta < 0.06  # the known finite-N deficit at N = 1000 (0.038)
    assert abs(sim.amplitude - a_star) < 5 * math.hypot(sim.amplitude_error, shift_se) + 0.2 * a_star


@pytest.mark.slow
def test_common_theory_vs_simulation_balanced():
    """Common input: theory (two-time DMFT) against simulation at N = 500, f = 0.2."""
    if not hasattr(mf.dmft, "lyapunov_max"):
        pytest.skip("meanfield.dmft.lyapunov_max (non-stationary DMFT) not available")
    net = mf.BalancedNetwork(500, 2.0, 1.0, 1.0, seed=1)
    th = mf.critical_amplitude(net, 0.2, "common", method="dmft")
    sim = mf.critical_amplitude(net, 0.2, "common", method="simulation", n_seeds=4, max_workers=2,
                                bracket=(0.0, 2 * th.amplitude), options={"t_sim": 300.0, "t_warmup": 50.0})
    a_star, delta, shift_se = _finite_N_corrected_theory(net, "common", th, sim)
    print(f"common: theory {th.amplitude:.4f} ± {th.amplitude_error:.2g}, "
          f"simulation {sim.amplitude:.4f} ± "
          f"{sim.amplitude_error:.2g}, λ(0) deficit {delta:.4f}, "
          f"corrected theory {a_star:.4f} ± {shift_se:.2g}")
    assert -0.02 < delta < 0.08  # the known finite-N deficit at N = 500 (0.058)
    assert abs(sim.amplitude - a_star) < 5 * math.hypot(sim.amplitude_error, shift_se) + 0.2 * a_star


# ---------------------------------------------------------------- adaptive theory diagrams (issue 8, part 5)

# two-time DMFT at small cost (~0.05 s a point); I1 = 0 by the same solver, so every row is one smooth curve
CHEAP_NS = {"method": "nonstationary", "dt": 2.0 ** -3, "n_steps": 2 ** 9, "band": 2 ** 6, "order": 1}
ROW_FAIL = {"at": set()}


def row_flaky_lambda(model):
    """Analytic λ that fails at the (frequency, amplitude) pairs in ROW_FAIL; records calls (serial only)."""
    amp = 0.0 if model.input is None else model.input.amplitude
    freq = None if model.input is None else model.input.frequency
    with _lock:
        CALLS.append((freq, amp))
    if (freq, amp) in ROW_FAIL["at"]:
        raise RuntimeError(f"planned failure at {(freq, amp)}")
    return analytic_lambda(model), 1e-3


def test_adaptive_theory_equals_brute_force_at_computed_points():
    net = mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1)
    amps, freqs = np.linspace(0.0, 16.0, 17), [0.1, 0.5]
    kw = dict(options=CHEAP_NS, max_workers=1, progress=False)
    brute = mf.phase_diagram(net, "frequency", freqs, amps, **kw)
    ad = mf.phase_diagram(net, "frequency", freqs, amps, adaptive=True, lambda_tol=2e-3, **kw)
    c = ad.computed
    assert brute.computed.all() and 0 < c.sum() < c.size * 0.8 and c[..., 0].all() and c[..., -1].all()
    # computed points: the same solver calls, bit for bit; the critical curve from computed points only
    assert np.array_equal(ad.lambda_max[c], brute.lambda_max[c])
    assert np.array_equal(ad.lambda_max_error[c], brute.lambda_max_error[c])
    assert np.all(np.isfinite(ad.critical_amplitude))
    assert np.array_equal(ad.critical_amplitude, brute.critical_amplitude)
    for ix in range(2):
        i, j = mf.phase._first_crossing(brute.lambda_max[0, ix])
        assert j == i + 1 and c[0, ix, i] and c[0, ix, j]
    # interpolated points within the tolerance; their stated error (an estimate) has the right size
    diff = np.abs(ad.lambda_max - brute.lambda_max)
    assert diff.max() <= 2e-3 and np.all(diff <= 2 * ad.lambda_max_error)
    assert ad.parameters["adaptive"] == {"lambda_tol": 2e-3, "n_coarse": 5, "anchor_stride": 4,
                                         "n_computed": int(c.sum())}
    assert ad.complete and ad.done.all()


def test_adaptive_analytic_rows_and_tolerance(balanced):
    amps, freqs = np.linspace(0, 2, 41), np.geomspace(0.05, 1, 6)
    kw = dict(lambda_fn=analytic_lambda, max_workers=1, progress=False, correlation=["common", "independent"])
    brute = mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    loose = mf.phase_diagram(balanced, "frequency", freqs, amps, adaptive=True, lambda_tol=1e-2, **kw)
    tight = mf.phase_diagram(balanced, "frequency", freqs, amps, adaptive=True, lambda_tol=1e-3, **kw)
    for ad, tol in ((loose, 1e-2), (tight, 1e-3)):
        c = ad.computed
        assert np.array_equal(ad.lambda_max[c], brute.lambda_max[c])
        assert np.abs(ad.lambda_max - brute.lambda_max).max() <= tol
        assert np.array_equal(ad.critical_amplitude, brute.critical_amplitude)
    assert loose.computed.sum() < tight.computed.sum() < brute.computed.sum()


def test_adaptive_computes_zero_amplitude_once(balanced):
    CALLS.clear()
    ad = mf.phase_diagram(balanced, "frequency", [0.1, 0.3, 0.9], np.linspace(0, 2, 9),
                          lambda_fn=row_flaky_lambda, correlation=["common", "independent"], adaptive=True,
                          max_workers=1, progress=False)
    assert [c for c in CALLS if c[1] == 0.0] == [(None, 0.0)]            # one call for six rows
    assert len(CALLS) == int(ad.computed.sum()) - 5 and ad.parameters["adaptive"]["n_coarse"] == 3
    assert np.all(ad.lambda_max[..., 0] == A) and ad.computed[..., 0].all()


def test_adaptive_resume_skips_finished_rows(tmp_path, balanced):
    out = tmp_path / "ad.npz"
    freqs, amps = [0.1, 0.2, 0.4], np.linspace(0, 2, 17)
    kw = dict(lambda_fn=row_flaky_lambda, adaptive=True, max_workers=1, progress=False, output=out,
              checkpoint_every=0)
    ref = mf.phase_diagram(balanced, "frequency", freqs, amps, lambda_fn=row_flaky_lambda, adaptive=True,
                           max_workers=1, progress=False)
    ROW_FAIL["at"] = {(0.2, 2.0)}                                       # the last amplitude of row 1
    try:
        with pytest.raises(RuntimeError, match="planned failure"):
            mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    finally:
        ROW_FAIL["at"] = set()
    part = mf.PhaseDiagram.load(out)
    assert part.done[0, 0].all() and not part.done[0, 1].any() and not part.complete
    assert np.array_equal(part.computed[0, 0], ref.computed[0, 0])
    CALLS.clear()
    pd = mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    rows_left = int(ref.computed[0, 1:].sum()) - 1                      # I1 = 0 once for both rows
    assert len(CALLS) == rows_left and pd.complete
    for name in ("lambda_max", "lambda_max_error", "computed", "critical_amplitude"):
        assert np.array_equal(getattr(pd, name), getattr(ref, name), equal_nan=True)
    CALLS.clear()
    again = mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    assert CALLS == [] and np.array_equal(again.lambda_max, ref.lambda_max)
    with pytest.raises(ValueError, match="other parameters"):        # another tolerance is another sweep
        mf.phase_diagram(balanced, "frequency", freqs, amps, **dict(kw, lambda_tol=1e-4))


def test_adaptive_on_error_nan(balanced):
    ROW_FAIL["at"] = {(0.2, 1.0)}
    try:
        ad = mf.phase_diagram(balanced, "frequency", [0.2], np.linspace(0, 2, 9), lambda_fn=row_flaky_lambda,
                              adaptive=True, on_error="nan", max_workers=1, progress=False)
    finally:
        ROW_FAIL["at"] = set()
    assert np.isnan(ad.lambda_max[0, 0, 4]) and ad.computed[0, 0, 4] and ad.complete
    assert np.isfinite(np.delete(ad.lambda_max[0, 0], 4)).all()
    assert "planned failure" in ad.parameters["errors"][0]["error"]


def test_computed_field_save_load_and_old_files(tmp_path, balanced):
    kw = dict(lambda_fn=analytic_lambda, max_workers=1, progress=False)
    ad = mf.phase_diagram(balanced, "frequency", [0.1, 0.5], np.linspace(0, 2, 17), adaptive=True,
                          lambda_tol=1e-2, **kw)
    q = mf.PhaseDiagram.load(ad.save(tmp_path / "ad.npz"))
    assert q.computed.dtype == bool and np.array_equal(q.computed, ad.computed) and not q.computed.all()
    brute = mf.phase_diagram(balanced, "frequency", [0.1], [0.0, 1.0], **kw)
    assert brute.computed.shape == (1, 1, 2) and brute.computed.all() and "adaptive" not in brute.parameters
    path = brute.save(tmp_path / "old.npz")
    with np.load(path) as z:                                           # a file written before the field
        arrays = {k: z[k] for k in z.files if k != "computed"}
    np.savez(path, **arrays)
    old = mf.PhaseDiagram.load(path)
    assert old.computed.shape == (1, 1, 2) and old.computed.all()


def test_adaptive_bad_options(balanced):
    kw = dict(lambda_fn=analytic_lambda, max_workers=1, progress=False)
    args = (balanced, "frequency", [0.2], [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="adaptive must be bool"):
        mf.phase_diagram(*args, adaptive="yes", **kw)
    with pytest.raises(ValueError, match="adaptive=True needs method='dmft'"):
        mf.phase_diagram(*args, adaptive=True, method="simulation", lambda_fn=noisy_lambda, max_workers=1,
                         progress=False)
    with pytest.raises(ValueError, match=r"lambda_tol must be in \(0.0, inf\]"):
        mf.phase_diagram(*args, adaptive=True, lambda_tol=0.0, **kw)
    with pytest.raises(ValueError, match="lambda_tol must be"):
        mf.phase_diagram(*args, adaptive=True, lambda_tol=math.nan, **kw)
    with pytest.raises(TypeError, match="lambda_tol must be a real number"):
        mf.phase_diagram(*args, adaptive=True, lambda_tol="1e-3", **kw)
    with pytest.raises(ValueError, match="n_coarse must be >= 3"):
        mf.phase_diagram(*args, adaptive=True, n_coarse=2, **kw)
    with pytest.raises(TypeError, match="n_coarse must be an integer"):
        mf.phase_diagram(*args, adaptive=True, n_coarse=4.0, **kw)
    with pytest.raises(ValueError, match="lambda_tol applies to adaptive=True only"):
        mf.phase_diagram(*args, lambda_tol=1e-3, **kw)
    with pytest.raises(ValueError, match="n_coarse applies to adaptive=True only"):
        mf.phase_diagram(*args, n_coarse=5, **kw)
    with pytest.raises(ValueError, match="anchor_stride applies to adaptive=True only"):
        mf.phase_diagram(*args, anchor_stride=2, **kw)
    with pytest.raises(ValueError, match="anchor_stride must be >= 1"):
        mf.phase_diagram(*args, adaptive=True, anchor_stride=0, **kw)
    with pytest.raises(TypeError, match="anchor_stride must be an integer"):
        mf.phase_diagram(*args, adaptive=True, anchor_stride=2.5, **kw)


def _kinked_lambda(model):
    """Picklable analytic λ(f, I1) with a kink whose position moves with f (like the onset of the
    silent phase): smooth parts are interpolated, the kink must be resolved by computing."""
    if model.input is None:
        return A
    a, f = model.input.amplitude, model.input.frequency
    knee = 1.0 + 0.5 * f
    return A - 0.15 * a * a / (1 + f) - 0.6 * max(0.0, a - knee) ** 2, 1e-4


def test_adaptive_rows_between_anchors_filled_across_rows(balanced):
    """2-D adaptivity: anchor rows as in 1-D, the rows between them computed only where the
    interpolation across rows is not trusted and around their crossing."""
    freqs, amps = np.geomspace(0.05, 1.0, 13), np.linspace(0, 2, 41)
    kw = dict(lambda_fn=_kinked_lambda, max_workers=1, progress=False, correlation=["common", "independent"])
    brute = mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    rows = mf.phase_diagram(balanced, "frequency", freqs, amps, adaptive=True, anchor_stride=1, **kw)
    ad = mf.phase_diagram(balanced, "frequency", freqs, amps, adaptive=True, **kw)
    anchors = [0, 4, 8, 12]
    assert ad.parameters["adaptive"]["anchor_stride"] == 4
    assert np.array_equal(ad.computed[:, anchors], rows.computed[:, anchors])     # anchor rows: the 1-D rule
    c = ad.computed
    assert c.sum() < 0.8 * rows.computed.sum()                         # 302 against 396
    assert np.array_equal(ad.lambda_max[c], brute.lambda_max[c])
    diff = np.abs(ad.lambda_max - brute.lambda_max)
    assert diff.max() <= 2e-3, diff.max()
    assert np.all(diff <= 2 * ad.lambda_max_error + 1e-12)
    # every crossing from computed values: the same critical curve as brute force
    assert np.isfinite(brute.critical_amplitude).sum() == 24            # two rows do not cross
    assert np.array_equal(ad.critical_amplitude, brute.critical_amplitude, equal_nan=True)
    for ic, ix in np.ndindex(*c.shape[:2]):
        ij = mf.phase._first_crossing(brute.lambda_max[ic, ix])
        assert ij is None or (c[ic, ix, ij[0]] and c[ic, ix, ij[1]])
    assert ad.diagnostics["n_evaluations"] == c.sum() and ad.complete


def test_adaptive_resume_inside_the_fill_stage(tmp_path, balanced):
    """A failure while filling between anchors: the resumed run recomputes nothing it has."""
    freqs, amps = np.geomspace(0.1, 0.8, 9).round(6).tolist(), np.linspace(0, 2, 17)
    kw = dict(lambda_fn=row_flaky_lambda, adaptive=True, max_workers=1, progress=False)
    CALLS.clear()
    ref = mf.phase_diagram(balanced, "frequency", freqs, amps, **kw)
    n_ref = len(CALLS)
    between = [(f, a) for f, a in CALLS if f not in (freqs[0], freqs[4], freqs[8])]
    between = [(f, a) for f, a in between if f is not None]
    assert between and n_ref == int(ref.computed.sum()) - 2            # I1 = 0 once for three anchor rows
    out = tmp_path / "ad.npz"
    ROW_FAIL["at"] = {between[-1]}
    try:
        with pytest.raises(RuntimeError, match="planned failure"):
            mf.phase_diagram(balanced, "frequency", freqs, amps, output=out, checkpoint_every=0, **kw)
    finally:
        ROW_FAIL["at"] = set()
    part = mf.PhaseDiagram.load(out)
    assert part.done[0, [0, 4, 8]].all() and not part.complete
    CALLS.clear()
    pd = mf.phase_diagram(balanced, "frequency", freqs, amps, output=out, checkpoint_every=0, **kw)
    have = {(float(f), float(a)) for f, a in _computed_pairs(part)}
    assert set(CALLS) == {between[-1]} | (set(between) - have)
    for name in ("lambda_max", "lambda_max_error", "computed", "critical_amplitude"):
        assert np.array_equal(getattr(pd, name), getattr(ref, name), equal_nan=True)


def _computed_pairs(pd):
    """(frequency, amplitude) of the computed, finished points of a diagram's first correlation."""
    ok = pd.computed[0] & pd.done[0, ..., 0]
    return [(pd.values[ix], pd.amplitudes[ia]) for ix, ia in zip(*np.nonzero(ok))]


def test_theory_options_per_solver():
    """Options keyed by solver name reach only that solver (I1 = 0 is solved by the stationary DMFT)."""
    net = mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1)
    per = {"nonstationary": {k: v for k, v in CHEAP_NS.items() if k != "method"},
           "stationary": {"n_tau": 3001}}
    with pytest.raises(TypeError, match="unknown option"):                # flat options reach every solver
        mf.phase_diagram(net, "frequency", [0.5], [0.0, 8.0], options=per["nonstationary"], max_workers=1,
                         progress=False)
    pd = mf.phase_diagram(net, "frequency", [0.5], [0.0, 8.0], options=per, max_workers=1, progress=False)
    inp = mf.BalancedNetwork(100, 2.0, 1.0, 1.0, input=mf.SineInput(8.0, 0.5))
    assert pd.lambda_max[0, 0, 1] == mf.dmft.lyapunov_max(inp, **per["nonstationary"]).lambda_max
    assert pd.lambda_max[0, 0, 0] == mf.dmft.lyapunov_max(net, n_tau=3001).lambda_max


def test_adaptive_diagnostics_count_computed_points(balanced):
    kw = dict(lambda_fn=analytic_lambda, max_workers=1, progress=False)
    ad = mf.phase_diagram(balanced, "frequency", [0.1, 0.5], np.linspace(0, 2, 17), adaptive=True,
                          lambda_tol=1e-2, **kw)
    assert ad.diagnostics["n_evaluations"] == ad.computed.sum() < ad.computed.size
    assert ad.diagnostics["converged"] and ad.diagnostics["fallbacks"] == 0
    brute = mf.phase_diagram(balanced, "frequency", [0.1, 0.5], np.linspace(0, 2, 17), **kw)
    assert brute.diagnostics["n_evaluations"] == brute.computed.size


def _blas_threads_here():
    from threadpoolctl import threadpool_info
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


def test_own_process_pool_caps_blas_threads_per_worker():
    """Workers x BLAS threads <= cores: a big point must not spin threads against the other workers."""
    from meanfield.phase import _executor
    with _executor(None, 2) as ex:
        caps = ex.submit(_blas_threads_here).result()
    assert caps == [max(1, (os.cpu_count() or 1) // 2)]
