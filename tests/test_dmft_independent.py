"""Stationary DMFT with independent input (random-phase sine, OU): limits, quadrature, [RAS] shape."""
import math

import numpy as np
import pytest
from scipy import integrate

import meanfield as mf
from meanfield import dmft
from meanfield.dmft import independent as ind
from meanfield.dmft.independent import independent_critical_amplitude
from meanfield.inputs import OUInput, SineInput


def _scs(g, inp):
    return mf.RandomNetwork(10, g, input=inp)


# ------------------------------------------------------------------ I1 -> 0 limits

def test_small_sine_reproduces_solve_scs():
    ref = dmft.solve_scs(2.0)
    s = dmft.solve(_scs(2.0, SineInput(1e-6, 0.2, "independent")))
    assert s.chaotic and s.parameters["phase_average"] == "exact"
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-8)
    assert s.diagnostics["residual"] < 1e-10
    assert s.potential.size == 0


def test_small_sine_reproduces_solve_balanced():
    ref = dmft.solve_balanced(2.0, 1.0, 1.0, 1000)
    net = mf.BalancedNetwork(1000, 2.0, 1.0, 1.0, input=SineInput(1e-6, 0.2, "independent"))
    s = dmft.solve(net)
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.mean_input == pytest.approx(ref.mean_input, rel=1e-8)
    assert s.mean_rate == pytest.approx(ref.mean_rate, rel=1e-8)
    assert s.fraction_active == pytest.approx(ref.fraction_active, rel=1e-8)
    # ReLU: the kink of C_phi' at tau = 0 limits the Richardson-extrapolated Schroedinger scheme
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-7)


def test_small_ou_reproduces_solve_scs():
    ref = dmft.solve_scs(1.5)
    s = dmft.solve(_scs(1.5, OUInput(1e-6, 2.0, "independent")))
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-8)


def test_ou_noise_suppresses_chaos_and_adds_variance():
    ref = dmft.solve_scs(1.5)
    s = dmft.solve(_scs(1.5, OUInput(1.0, 2.0, "independent")))
    assert s.variance > ref.variance
    assert s.lambda_max < 0 and not s.chaotic


# ------------------------------------------------------------------ the theta average

def test_phase_average_against_nested_scipy_quadrature():
    """Q_f(c, psi) of the tanh table against an independent triple integral (theta, z1, z2)."""
    from meanfield import nonlinearities
    nl = nonlinearities.resolve("tanh")
    A, v = 1.2, 0.9
    ker = ind._PhaseKernel(nl, A, 64)
    for c, psi in ((0.5, 0.7), (-0.3, 2.0)):
        s1 = math.sqrt(v)
        b, s2 = c / s1, math.sqrt(v - c * c / v)

        def inner(theta, f, df):
            y1, y2 = A * math.sin(theta), A * math.sin(theta + psi)
            g = lambda z1, z2: (f(s1 * z1 + y1) * f(b * z1 + s2 * z2 + y2)  # noqa: E731
                                * math.exp(-0.5 * (z1 * z1 + z2 * z2)) / (2 * math.pi))
            return integrate.dblquad(g, -9, 9, -9, 9, epsabs=1e-13, epsrel=1e-13)[0]
        for name, f in (("phi", math.tanh), ("dphi", lambda x: 1.0 / math.cosh(x) ** 2)):
            ref = integrate.quad(lambda t: inner(t, f, None), 0, 2 * math.pi, epsabs=1e-12, epsrel=1e-12,
                                 limit=200)[0] / (2 * math.pi)
            got = ker(name, np.array([c]), np.array([psi]), v, 0.0)[0]
            assert abs(got - ref) < 1e-9, (name, c, psi, got, ref)


def test_theta_grid_convergence_is_spectral():
    from meanfield import nonlinearities
    nl = nonlinearities.resolve("erf")
    c = np.linspace(-0.8, 0.8, 7)
    psi = np.linspace(0, 3, 7)
    vals = [ind._PhaseKernel(nl, 1.5, n)("phi", c, psi, 1.0, 0.0) for n in (8, 16, 32, 64)]
    errs = [np.abs(x - vals[-1]).max() for x in vals[:-1]]
    assert errs[1] < 1e-4 * errs[0] and errs[2] < 1e-13


# ------------------------------------------------------------------ suppression of chaos [RAS]

def test_large_sine_amplitude_suppresses_chaos():
    s = dmft.solve(_scs(1.5, SineInput(3.0, 0.2, "independent")))
    assert not s.chaotic and s.lambda_max < -0.1
    weak = dmft.solve_independent(1.5, 0.5, 0.2)
    assert weak.chaotic and 0 < weak.lambda_max < dmft.solve_scs(1.5).lambda_max
    assert weak.branch == "chaotic" and weak.diagnostics["periodic_lambda"] > 0
    assert s.branch == "periodic" and s.lambda_max == s.diagnostics["periodic_lambda"]


def test_critical_amplitude_is_non_monotonic_in_frequency():
    """[RAS]: at I1 = 0.5 (g = 1.5) the periodic state is unstable at very low and at high
    frequency and stable in between, so I1*(f) has a minimum at an intermediate frequency."""
    lam = {}
    for f in (0.005, 0.02, 0.1):
        s = dmft.solve_independent(1.5, 0.5, f, branch="periodic", tol=1e-9)
        lam[f] = s.lambda_max
    assert lam[0.005] > 0 and lam[0.02] < 0 and lam[0.1] > 0, lam


@pytest.mark.slow
def test_critical_amplitude_curve():
    f = [0.005, 0.02, 0.1, 0.4]
    a = [independent_critical_amplitude(1.5, frequency=x, bracket=(0.3, 4.0), xtol=1e-4) for x in f]
    assert a[1] < a[0] and a[1] < a[2] < a[3], a
    # quasi-static limit: the static random-input threshold is 0.595 (g = 1.5)
    assert 0.45 < a[0] < 0.6


def test_gaussian_surrogate_is_an_approximation():
    exact = dmft.solve_independent(1.5, 3.0, 0.2)
    gauss = dmft.solve_independent(1.5, 3.0, 0.2, phase_average="gaussian")
    assert gauss.parameters["phase_average"] == "gaussian (approximation)"
    assert abs(gauss.lambda_max - exact.lambda_max) > 1e-3


def test_lambda_max_curve_shapes():
    out = dmft.lambda_max_curve(1.5, amplitudes=[2.0, 3.0], frequency=0.2)
    assert isinstance(out, ind.LambdaCurve)
    assert out.lambda_max.shape == (2,) and out.lambda_max[1] < out.lambda_max[0] < 0
    assert np.all(out.frequencies == 0.2) and list(out.branch) == ["periodic", "periodic"]
    with pytest.warns(DeprecationWarning):
        assert np.all(out["lambda_max"] == out.lambda_max)


# ------------------------------------------------------------------ validation

def test_bad_inputs():
    with pytest.raises(ValueError, match="phase_average"):
        dmft.solve_independent(1.5, 1.0, 0.2, phase_average="mean")
    with pytest.raises(ValueError, match="tol"):
        dmft.solve_independent(1.5, 1.0, 0.2, tol=0.0)
    with pytest.raises(TypeError, match="n_theta"):
        dmft.solve_independent(1.5, 1.0, 0.2, n_theta=3.5)
    with pytest.raises(TypeError, match="model"):
        dmft.solve_independent("net")
    with pytest.raises(NotImplementedError, match="common"):
        dmft.solve(_scs(1.5, SineInput(1.0, 0.2, "common")))
    with pytest.raises(NotImplementedError):
        dmft.solve(_scs(1.5, SineInput(1.0, 0.2, 0.3)))
    with pytest.raises(ValueError, match="amplitudes"):
        dmft.lambda_max_curve(1.5, amplitudes=[-1.0], frequency=0.2)
    with pytest.raises(ValueError, match="exactly one"):
        dmft.lambda_max_curve(1.5, frequency=0.2)
    with pytest.raises(ValueError, match="bracket"):
        independent_critical_amplitude(1.5, 0.2, bracket=(2.0, 1.0))


# ------------------------------------------------------------------ simulation (slow)

@pytest.mark.slow
def test_against_simulation():
    """N = 1000, g = 1.5, I1 = 0.5, f = 0.2: lambda_max and the variance of h over 4 seeds.
    Allowance: 3 standard errors + 0.02 (lambda) / 5 % (variance) for finite N."""
    th = dmft.solve_independent(1.5, 0.5, 0.2)
    lams, vars_ = [], []
    for seed in range(4):
        net = mf.RandomNetwork(1000, 1.5, input=SineInput(0.5, 0.2, "independent"), seed=seed)
        r = mf.lyapunov_max(net, t_sim=1000.0, t_warmup=200.0, seed=seed, progress=False)
        lams.append(r.lambda_max)
        sim = mf.simulate(net, 500.0, t_warmup=200.0, record="all", record_every=10, seed=seed,
                          progress=False)
        vars_.append(float(np.mean(sim.h ** 2)))         # population mean is 0 (odd phi)
    se_l = np.std(lams, ddof=1) / 2
    se_v = np.std(vars_, ddof=1) / 2
    assert abs(np.mean(lams) - th.lambda_max) < 3 * se_l + 0.02
    assert abs(np.mean(vars_) - th.variance) < 3 * se_v + 0.05 * th.variance


# ------------------------------------------------------------------ plain parameters, models, errors

def test_plain_parameters_equal_the_model_form():
    net = mf.BalancedNetwork(1000, 2.0, 1.0, 1.0, input=SineInput(2.0, 0.2, "independent"))
    kw = ind.model_parameters(net)
    assert kw == {"g": 2.0, "phi": net.nonlinearity, "time": "continuous", "leak": 1.0, "J0": 1.0, "I0": 1.0,
                  "K": 1000, "amplitude": 2.0, "frequency": 0.2, "input": "sine"}
    plain = dmft.solve_independent(2.0, 2.0, 0.2, J0=1.0, I0=1.0, K=1000)
    with pytest.warns(DeprecationWarning, match="meanfield.dmft.solve"):
        old = dmft.solve_independent(net)
    assert plain.lambda_max == old.lambda_max and plain.variance == old.variance
    assert plain.method == "independent" and plain.settings["tol"] == 1e-11
    d = plain.diagnostics
    assert d["converged"] and d["iterations"] > 0 and d["n_evaluations"] > 0 and d["fallbacks"] == 0
    ou = ind.model_parameters(mf.RandomNetwork(10, 1.5, input=OUInput(0.3, 2.0, "independent")))
    assert (ou["input"], ou["amplitude"], ou["tau"]) == ("ou", 0.3, 2.0)


def test_unsupported_regimes_name_what_to_change():
    with pytest.raises(mf.errors.UnsupportedRegimeError, match="correlation='independent'"):
        ind.model_parameters(_scs(1.5, SineInput(1.0, 0.2, "common")))
    with pytest.raises(mf.errors.UnsupportedRegimeError, match="connectivity='dense'"):
        ind.model_parameters(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, K=10, connectivity="sparse",
                                                input=SineInput(1.0, 0.2, "independent")))
    with pytest.raises(mf.errors.UnsupportedRegimeError, match="leak=1.0"):
        dmft.solve_independent(1.5, 1.0, 0.2, time="discrete", leak=0.5)
    with pytest.raises(mf.errors.UnsupportedRegimeError, match="g > sqrt"):
        dmft.solve_independent(1.2, 1.0, 0.2, J0=1.0, I0=1.0, K=100)
    with pytest.raises(mf.errors.UnsupportedRegimeError, match="J0, I0, K"):
        dmft.solve_independent(1.5, 1.0, 0.2, phi="relu")
    with pytest.raises(ValueError, match="all of J0, I0, K"):
        dmft.solve_independent(2.0, 1.0, 0.2, J0=1.0)


def test_zero_amplitude_is_the_no_input_solution():
    ref = dmft.solve_balanced(2.0, 1.0, 1.0, 500)
    s = dmft.solve_independent(2.0, 0.0, 0.2, J0=1.0, I0=1.0, K=500)
    assert s.lambda_max == ref.lambda_max and s.variance == ref.variance and s.branch == "chaotic"
    assert dmft.solve_independent(0.8, 0.0, 0.2).branch == "stable"


# ------------------------------------------------------------------ warm start, continuation, branches

def test_warm_start_from_a_neighbour_converges_faster_to_the_same_state():
    kw = dict(J0=1.0, I0=1.0, K=5000)
    a = dmft.solve_independent(2.0, 1.95, 0.2, **kw)
    cold = dmft.solve_independent(2.0, 2.0, 0.2, **kw)
    warm = dmft.solve_independent(2.0, 2.0, 0.2, guess=a, **kw)
    assert warm.branch == cold.branch == "chaotic"
    assert warm.lambda_max == pytest.approx(cold.lambda_max, abs=1e-9)
    assert warm.variance == pytest.approx(cold.variance, rel=1e-9)
    assert warm.diagnostics["newton_iterations"] < cold.diagnostics["newton_iterations"]
    assert warm.diagnostics["residual_history"][0] < 0.1 * cold.diagnostics["residual_history"][0]
    assert a.coefficients.size == a.diagnostics["grid_points"] and a.periodic_coefficients.size > 0


def test_continuation_counts_fallbacks():
    """The chaotic state far from the no-input guess, reached by amplitude continuation."""
    prob, _ = ind._resolve(2.0, 3.0, 0.2, "sine", None, None, 1.0, 1.0, 5000, "continuous", 1.0, "exact",
                           None)
    opts = {"tol": 1e-11, "box": 60.0, "dtau": 0.1, "max_halvings": 12}
    direct = ind._chaotic_state(prob, opts, ind._Counter())
    count = ind._Counter()
    ref = ind._reference(prob)
    grid = ind._chaotic_grid(prob, ref, opts)
    st0 = ind._run_newton(prob.at(1e-3), grid, np.append(np.interp(grid.tau, ref.tau, ref.autocorrelation,
                                                                   right=ref.asymptote), ref.mean_input),
                          1e-11, count, "chaotic")
    cont = ind._continue(lambda a, st: ind._run_newton(prob.at(a), grid, st.X, 1e-11, count, "chaotic"),
                         1e-3, st0, 3.0, count, 12)
    assert count.fallbacks >= 1
    assert np.abs(cont.D - direct.D).max() < 1e-9 * direct.D[0]


def test_floquet_exponent_and_branch_rule_are_continuous_at_the_transition():
    """Balanced g = 2, K = 500, f = 0.2: lambda_P (Floquet exponent of the entrained state) has its
    root at I1*; below it the chaotic exponent is positive and at most lambda_P, above it the periodic
    state is reported; both tend to 0 at I1*."""
    kw = dict(J0=1.0, I0=1.0, K=500)
    a = independent_critical_amplitude(2.0, 0.2, bracket=(1.0, 8.0), xtol=1e-6, **kw)
    assert a == pytest.approx(4.2279, abs=2e-3)
    below = dmft.solve_independent(2.0, 0.97 * a, 0.2, **kw)
    above = dmft.solve_independent(2.0, 1.03 * a, 0.2, **kw)
    assert below.branch == "chaotic" and 0 < below.lambda_max <= below.diagnostics["periodic_lambda"] < 0.02
    assert above.branch == "periodic" and -0.02 < above.lambda_max < 0
    forced = dmft.solve_independent(2.0, 0.97 * a, 0.2, branch="periodic", **kw)
    assert forced.branch == "periodic" and forced.lambda_max == below.diagnostics["periodic_lambda"]


# ------------------------------------------------------------------ discrete time (leak 1)

def test_discrete_time_memoryless_formulas():
    """Delta0 = g^2 E[phi(sqrt(Delta0) z + I1 sin theta)^2], lambda = 1/2 ln(g^2 E[phi'^2]) against an
    independent nested quadrature; I1 -> 0 reproduces solve_scs(time="discrete")."""
    ref = dmft.solve_scs(1.5, time="discrete")
    small = dmft.solve_independent(1.5, 1e-7, 0.1, time="discrete")
    assert small.lambda_max == pytest.approx(ref.lambda_max, abs=1e-10)
    assert small.variance == pytest.approx(ref.variance, rel=1e-10)
    g, I1 = 1.5, 1.0
    s = dmft.solve_independent(g, I1, 0.1, time="discrete")
    v = s.diagnostics["recurrent_variance"]

    def E(f):
        inner = lambda th: integrate.quad(  # noqa: E731
            lambda z: f(math.sqrt(v) * z + I1 * math.sin(th)) * math.exp(-0.5 * z * z), -12, 12,
            epsabs=1e-14, epsrel=1e-13, limit=200)[0] / math.sqrt(2 * math.pi)
        return integrate.quad(inner, 0, 2 * math.pi, epsabs=1e-13, epsrel=1e-13, limit=200)[0] / (2 * math.pi)
    assert g * g * E(lambda x: math.tanh(x) ** 2) == pytest.approx(v, abs=1e-11)
    lam = 0.5 * math.log(g * g * E(lambda x: 1 / math.cosh(x) ** 4))
    assert s.lambda_max == pytest.approx(lam, abs=1e-11)
    assert s.branch == "periodic" and s.lambda_max < 0 < ref.lambda_max
    assert s.variance == pytest.approx(v + 0.5 * I1 * I1)


@pytest.mark.slow
def test_discrete_time_against_simulation():
    """N = 2000, g = 3, I1 = 2, f = 0.1, leak 1 (chaotic): 3 seeds, 3 SE + 0.02."""
    th = dmft.solve_independent(3.0, 2.0, 0.1, time="discrete")
    lams = []
    for seed in range(3):
        net = mf.RandomNetwork(2000, 3.0, time="discrete", input=SineInput(2.0, 0.1, "independent"),
                               seed=seed)
        lams.append(mf.lyapunov_max(net, t_sim=2000.0, t_warmup=200.0, seed=seed, progress=False).lambda_max)
    se = np.std(lams, ddof=1) / math.sqrt(3)
    assert abs(np.mean(lams) - th.lambda_max) < 3 * se + 0.02


def test_frequency_and_ou_curves_and_save_load(tmp_path):
    c = dmft.lambda_max_curve(2.0, frequencies=[0.1, 0.2], amplitude=2.0, J0=1.0, I0=1.0, K=5000)
    one = dmft.solve_independent(2.0, 2.0, 0.2, J0=1.0, I0=1.0, K=5000)
    assert c.lambda_max[1] == pytest.approx(one.lambda_max, abs=1e-9) and np.all(c.amplitudes == 2.0)
    ou = dmft.lambda_max_curve(1.5, amplitudes=[0.0, 1.0], input="ou", tau=2.0)
    assert ou.lambda_max[0] == dmft.solve_scs(1.5).lambda_max and list(ou.branch) == ["chaotic", "stable"]
    assert np.all(np.isnan(ou.frequencies))
    c.save(tmp_path / "c.npz")
    back = ind.LambdaCurve.load(tmp_path / "c.npz")
    assert np.all(back.lambda_max == c.lambda_max) and list(back.branch) == list(c.branch)
    one.save(tmp_path / "s.npz")
    s = ind.IndependentSolution.load(tmp_path / "s.npz")
    warm = dmft.solve_independent(2.0, 2.0, 0.2, J0=1.0, I0=1.0, K=5000, guess=s)
    assert warm.lambda_max == pytest.approx(one.lambda_max, abs=1e-9)
