"""Stationary DMFT with independent input (random-phase sine, OU): limits, quadrature, [RAS] shape."""
import math

import numpy as np
import pytest
from scipy import integrate

import meanfield as mf
from meanfield import dmft
from meanfield.dmft import independent as ind
from meanfield.inputs import OUInput, SineInput


def _scs(g, inp):
    return mf.RandomNetwork(10, g, input=inp)


# ------------------------------------------------------------------ I1 -> 0 limits

def test_small_sine_reproduces_solve_scs():
    ref = dmft.solve_scs(2.0)
    s = dmft.stationary(_scs(2.0, SineInput(1e-6, 0.2, "independent")))
    assert s.chaotic and s.parameters["phase_average"] == "exact"
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-8)
    assert s.diagnostics["residual"] < 1e-10
    assert s.potential.size == 0


def test_small_sine_reproduces_solve_balanced():
    ref = dmft.solve_balanced(2.0, 1.0, 1.0, 1000)
    net = mf.BalancedNetwork(1000, 2.0, 1.0, 1.0, input=SineInput(1e-6, 0.2, "independent"))
    s = dmft.stationary(net)
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.mean_input == pytest.approx(ref.mean_input, rel=1e-8)
    assert s.mean_rate == pytest.approx(ref.mean_rate, rel=1e-8)
    assert s.fraction_active == pytest.approx(ref.fraction_active, rel=1e-8)
    # ReLU: the kink of C_phi' at tau = 0 limits the Richardson-extrapolated Schroedinger scheme
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-7)


def test_small_ou_reproduces_solve_scs():
    ref = dmft.solve_scs(1.5)
    s = dmft.stationary(_scs(1.5, OUInput(1e-6, 2.0, "independent")))
    assert s.variance == pytest.approx(ref.variance, rel=1e-8)
    assert s.lambda_max == pytest.approx(ref.lambda_max, rel=1e-8)


def test_ou_noise_suppresses_chaos_and_adds_variance():
    ref = dmft.solve_scs(1.5)
    s = dmft.stationary(_scs(1.5, OUInput(1.0, 2.0, "independent")))
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
    s = dmft.stationary(_scs(1.5, SineInput(3.0, 0.2, "independent")))
    assert not s.chaotic and s.lambda_max < -0.1
    weak = dmft.solve_independent(_scs(1.5, SineInput(0.5, 0.2, "independent")))
    assert weak.chaotic and 0 < weak.lambda_max < dmft.solve_scs(1.5).lambda_max


def test_critical_amplitude_is_non_monotonic_in_frequency():
    """[RAS]: at I1 = 0.5 (g = 1.5) the periodic state is unstable at very low and at high
    frequency and stable in between, so I1*(f) has a minimum at an intermediate frequency."""
    lam = {}
    for f in (0.005, 0.02, 0.1):
        s = dmft.solve_independent(_scs(1.5, SineInput(0.5, f, "independent")), branch="periodic", tol=1e-9)
        lam[f] = s.lambda_max
    assert lam[0.005] > 0 and lam[0.02] < 0 and lam[0.1] > 0, lam


@pytest.mark.slow
def test_critical_amplitude_curve():
    net = _scs(1.5, SineInput(1.0, 0.1, "independent"))
    f = [0.005, 0.02, 0.1, 0.4]
    a = [dmft.independent_critical_amplitude(net, frequency=x, bracket=(0.3, 4.0), xtol=1e-4) for x in f]
    assert a[1] < a[0] and a[1] < a[2] < a[3], a
    # quasi-static limit: the static random-input threshold is 0.595 (g = 1.5)
    assert 0.45 < a[0] < 0.6


def test_gaussian_surrogate_is_an_approximation():
    exact = dmft.solve_independent(_scs(1.5, SineInput(3.0, 0.2, "independent")))
    gauss = dmft.solve_independent(_scs(1.5, SineInput(3.0, 0.2, "independent")), phase_average="gaussian")
    assert gauss.parameters["phase_average"] == "gaussian (approximation)"
    assert abs(gauss.lambda_max - exact.lambda_max) > 1e-3


def test_lambda_max_curve_shapes():
    net = _scs(1.5, SineInput(1.0, 0.2, "independent"))
    out = dmft.lambda_max_curve(net, amplitudes=[2.0, 3.0])
    assert out["lambda_max"].shape == (2,) and out["lambda_max"][1] < out["lambda_max"][0] < 0
    assert np.all(out["frequency"] == 0.2)


# ------------------------------------------------------------------ validation

def test_bad_inputs():
    net = _scs(1.5, SineInput(1.0, 0.2, "independent"))
    with pytest.raises(ValueError, match="phase_average"):
        dmft.solve_independent(net, phase_average="mean")
    with pytest.raises(ValueError, match="tol"):
        dmft.solve_independent(net, tol=0.0)
    with pytest.raises(TypeError, match="n_theta"):
        dmft.solve_independent(net, n_theta=3.5)
    with pytest.raises(TypeError, match="model"):
        dmft.solve_independent("net")
    with pytest.raises(NotImplementedError, match="lyapunov_max"):
        dmft.stationary(_scs(1.5, SineInput(1.0, 0.2, "common")))
    with pytest.raises(NotImplementedError):
        dmft.stationary(_scs(1.5, SineInput(1.0, 0.2, 0.3)))
    with pytest.raises(ValueError, match="amplitudes"):
        dmft.lambda_max_curve(net, amplitudes=[-1.0])
    with pytest.raises(ValueError, match="exactly one"):
        dmft.lambda_max_curve(net)
    with pytest.raises(ValueError, match="bracket"):
        dmft.independent_critical_amplitude(net, bracket=(2.0, 1.0))


# ------------------------------------------------------------------ simulation (slow)

@pytest.mark.slow
def test_against_simulation():
    """N = 1000, g = 1.5, I1 = 0.5, f = 0.2: lambda_max and the variance of h over 4 seeds.
    Allowance: 3 standard errors + 0.02 (lambda) / 5 % (variance) for finite N."""
    th = dmft.solve_independent(_scs(1.5, SineInput(0.5, 0.2, "independent")))
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
