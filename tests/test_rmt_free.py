"""§6.2 the free-probability law of h_{t+1} = J phi(h_t): identities, mpmath, simulation."""
import math

import numpy as np
import pytest

import meanfield as mf
from meanfield import gaussian as G
from meanfield import rmt
from meanfield.dmft import solve_scs
from meanfield.errors import UnsupportedRegimeError
from meanfield.rmt.free import FreeLaw, free_spectrum
from meanfield.rmt.validate import network_q

CASES = [(2.0, "tanh"), (3.0, "tanh"), (2.0, "erf")]


def _E_ln_d(phi, q):
    """E ln|phi'(sqrt(q) z)| in closed form: tanh -2 E ln cosh (the primitive), erf -pi q / 4."""
    if phi == "tanh":
        return -2.0 * G.expect("Phi", 0.0, q, phi="tanh")
    return -math.pi * q / 4.0


# ------------------------------------------------------------------ identities inside the theory

@pytest.mark.parametrize("g,phi", CASES)
def test_top_equals_dmft_lambda_max(g, phi):
    law = FreeLaw(g, phi)
    q = solve_scs(g, phi=phi, time="discrete").variance
    exact = 0.5 * math.log(g * g * G.expect("dphi2", 0.0, q, phi=phi))
    assert law.q == q
    assert abs(law.quantile(1e-10) - exact) < 1e-6
    assert abs(law.lambda_max - exact) < 1e-12
    assert abs(exact - solve_scs(g, phi=phi, time="discrete").lambda_max) < 1e-12
    res = free_spectrum(g, phi, N=500)
    assert res.lambda_max_error < 1e-12
    assert abs(res.quantile(0.0) - exact) < 1e-12
    assert abs(res.quantile(1e-9) - exact) < 1e-6


@pytest.mark.parametrize("g,phi", CASES)
def test_mean_exponent_is_mean_log_determinant(g, phi):
    res = free_spectrum(g, phi, N=500)
    exact = math.log(g) - 0.5 + _E_ln_d(phi, res.settings["q"])
    assert abs(res.mean_exponent - exact) < 1e-8
    # the N midpoint quantiles average to it up to the O(ln N / N) tail of the law near u = 1
    assert abs(res.exponents.mean() - exact) < 0.02


@pytest.mark.parametrize("g,phi", CASES[:2])
def test_dimension_and_entropy_definitions(g, phi):
    res = free_spectrum(g, phi, N=1000)
    law = FreeLaw(g, phi)
    u = np.linspace(0.0, 1.0, 200001)[1:-1]
    lam = law.quantile(u)
    du = u[1] - u[0]
    # H/N = int lambda^+ du, D/N: int_0^{D/N} lambda du = 0 (midpoint sums, error ~ du)
    assert abs(res.entropy_rate_per_N - np.sum(np.maximum(lam, 0)) * du) < 1e-6
    cum = np.cumsum(lam) * du
    assert abs(res.dimension_per_N - u[np.argmax(cum < 0)]) < 2e-5
    assert res.dimension == pytest.approx(1000 * res.dimension_per_N, rel=1e-14)
    assert res.entropy_rate == pytest.approx(1000 * res.entropy_rate_per_N, rel=1e-14)
    # the finite-N Kaplan-Yorke dimension of the N quantiles agrees to O(1)
    assert abs(mf.kaplan_yorke(res.exponents) - res.dimension) < 2.0


# ------------------------------------------------------------------ independent mpmath evaluation

def _mp_law(g, phi, us):
    import mpmath as mp
    mp.mp.dps = 20
    if phi == "tanh":
        f, dphi = mp.tanh, (lambda x: mp.sech(x) ** 2)
    else:
        a = mp.sqrt(mp.pi) / 2
        f, dphi = (lambda x: mp.erf(a * x)), (lambda x: mp.exp(-mp.pi * x * x / 4))

    def E(fun):
        pts = [-mp.inf, -3, 0, 3, mp.inf]
        return mp.quad(lambda z: fun(z) * mp.exp(-z * z / 2), pts) / mp.sqrt(2 * mp.pi)

    q = mp.findroot(lambda q: q - g * g * E(lambda z: f(mp.sqrt(q) * z) ** 2), 2.0 * g)

    def d2(z):
        return dphi(mp.sqrt(q) * z) ** 2

    out = []
    for u in us:
        def resid(t):
            c = mp.exp(t)
            return E(lambda z: c * d2(z) / (1 + c * d2(z))) - u
        t = mp.findroot(resid, mp.log(u / (1 - u)))
        c = mp.exp(t)
        out.append(float(mp.log(g * g * u / c) / 2))
    return float(q), np.array(out)


@pytest.mark.parametrize("g,phi", [(3.0, "tanh"), (2.0, "erf")])
def test_quantiles_against_mpmath(g, phi):
    us = [0.01, 0.2, 0.5, 0.8, 0.99]
    q_mp, lam_mp = _mp_law(g, phi, us)
    law = FreeLaw(g, phi)
    assert abs(law.q - q_mp) < 1e-9 * q_mp
    assert np.max(np.abs(law.quantile(np.array(us)) - lam_mp)) < 1e-6
    res = free_spectrum(g, phi, N=100)
    assert np.max(np.abs(res.quantile(us) - lam_mp)) < 1e-6          # the stored table
    assert np.max(np.abs(res.cdf(lam_mp) - (1 - np.array(us)))) < 1e-6


# ------------------------------------------------------------------ consistency of the result

def test_quantile_cdf_and_exponents_consistent():
    res = free_spectrum(2.0, N=400)
    law = FreeLaw(2.0)
    u_i = (np.arange(1, 401) - 0.5) / 400
    assert np.all(np.diff(res.exponents) < 0)
    assert np.max(np.abs(res.exponents - law.quantile(u_i))) < 1e-12
    uu = np.linspace(0.0, 1.0, 5001)[1:-1]
    assert np.max(np.abs(res.quantile(uu) - law.quantile(uu))) < 1e-7
    s = np.linspace(-4.0, 0.2, 301)
    assert np.max(np.abs(res.cdf(s) - law.cdf(s))) < 1e-7
    assert np.max(np.abs(law.cdf(law.quantile(uu)) - (1 - uu))) < 1e-12
    assert res.cdf(10.0) == 1.0 and res.cdf(-1e3) < 1e-12
    assert res.quantile(1.0) == -np.inf
    n = free_spectrum(2.0, N=400, n=50)
    assert n.exponents.size == 50 and n.dimension == res.dimension


def test_save_load_round_trip(tmp_path):
    net = mf.RandomNetwork(300, 2.0, time="discrete", seed=1)
    res = rmt.lyapunov_spectrum(net)
    assert res.method == "free" and res.model == net.to_dict() and res.N == 300
    p = res.save(tmp_path / "free.npz")
    back = rmt.RMTSpectrum.load(p)
    for k, v in res.to_dict().items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(getattr(back, k), v)
        elif k != "versions":
            assert getattr(back, k) == v, k
    assert back.quantile(0.3) == res.quantile(0.3)
    assert back.cdf(-0.5) == res.cdf(-0.5)
    assert set(res.diagnostics) >= {"converged", "iterations", "n_evaluations", "fallbacks"}


def test_plot_smoke():
    import matplotlib
    matplotlib.use("Agg")
    ax = free_spectrum(2.0, N=100).plot()
    assert ax.get_xlabel() == "i / N"


def test_fixed_point_map_is_the_circular_law():
    # below the transition the gains are phi'(0) = 1: lambda(u) = 1/2 ln(g^2 (1 - u))
    law = FreeLaw(0.8, "tanh")
    u = np.array([0.1, 0.5, 0.9])
    assert law.q == 0.0
    np.testing.assert_allclose(law.quantile(u), 0.5 * np.log(0.64 * (1 - u)), atol=1e-12)


# ------------------------------------------------------------------ bad input

def test_bad_inputs():
    with pytest.raises(ValueError, match="g must"):
        FreeLaw(-1.0)
    with pytest.raises(TypeError, match="g must"):
        FreeLaw("2")
    with pytest.raises(ValueError, match="N must"):
        free_spectrum(2.0, N=0)
    with pytest.raises(TypeError, match="n must"):
        free_spectrum(2.0, N=10, n=2.5)
    with pytest.raises(ValueError, match="u must"):
        FreeLaw(2.0).quantile(1.5)
    with pytest.raises(ValueError, match="u must"):
        free_spectrum(2.0, N=10).quantile(-0.1)
    with pytest.raises(ValueError, match="s must"):
        FreeLaw(2.0).cdf(np.nan)
    net = mf.RandomNetwork(50, 2.0, time="discrete", seed=1)
    with pytest.raises(TypeError, match="model must"):
        rmt.lyapunov_spectrum("net")
    with pytest.raises(ValueError, match="method must"):
        rmt.lyapunov_spectrum(net, method="bogus")
    with pytest.raises(TypeError, match="unknown option"):
        rmt.lyapunov_spectrum(net, tol=1e-3)
    with pytest.raises(ValueError, match="n must"):
        rmt.lyapunov_spectrum(net, n=0)
    # continuous-time chaos: "auto" -> "single-site" (tests/test_rmt_single_site.py); at the fixed point
    # the single-site method points to the exact semicircle
    with pytest.raises(UnsupportedRegimeError, match="semicircle"):
        rmt.lyapunov_spectrum(mf.RandomNetwork(50, 0.5, seed=1), method="single-site")
    with pytest.raises(UnsupportedRegimeError, match="time='discrete'"):
        rmt.lyapunov_spectrum(mf.RandomNetwork(50, 2.0, seed=1), method="free")
    with pytest.raises(UnsupportedRegimeError, match="single-site"):      # the leaky map: "single-site"
        rmt.lyapunov_spectrum(mf.RandomNetwork(50, 2.0, time="discrete", leak=0.5, seed=1), method="free")
    with pytest.raises(UnsupportedRegimeError, match="input"):
        rmt.lyapunov_spectrum(mf.RandomNetwork(50, 2.0, time="discrete", seed=1,
                                               input=mf.SineInput(amplitude=1.0, frequency=0.1)))
    with pytest.raises(UnsupportedRegimeError, match="balanced"):       # balanced: "single-site" only
        rmt.lyapunov_spectrum(mf.BalancedNetwork(100, 2.0, 1.0, 1.0, seed=1), method="free")


# ------------------------------------------------------------------ against simulation (QR engine)
#
# Measured (tanh, N = 300, T = 3000 iterations, network seeds 1-4, run seed = network seed + 10;
# /tmp script in the issue note).  The quenched q of one network differs from the DMFT q by a few
# per cent (q = 2.03, 2.21, 2.18, 2.16 vs 2.1215 at g = 2; 6.16, 6.26, 6.36, 6.37 vs 6.3054 at
# g = 3), and that shifts the whole spectrum: bulk RMS (u <= 0.95) against the law with the DMFT q
# 0.035, 0.064, 0.039, 0.018 (g = 2) and 0.050, 0.021, 0.022, 0.018 (g = 3); with the network's
# own time-averaged q 0.012, 0.020, 0.010, 0.007 and 0.009, 0.011, 0.009, 0.012.  Finite-N bias
# (own q, every seed below theory): D/N -1 to -6 % (g = 2), -2 to -2.5 % (g = 3); H/N -2 to -13 %
# (g = 2), -4 to -6 % (g = 3).  The annealed product (fresh J each step, DMFT gains, g = 2) converges
# to the law like 1/N: D/N 0.2463, 0.2504, 0.2540 at N = 100, 200, 400 against 0.2576.
# Newman's law with sigma^2 = g^2 E d^2 (right lambda_1 only) misses by RMS > 0.5: the tolerances
# below are far narrower than that effect.

def _compare(g, N, seed, T):
    net = mf.RandomNetwork(N, g, time="discrete", seed=seed)
    sim = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=300, seed=seed + 10, threads=1, progress=False)
    law = rmt.lyapunov_spectrum(net)
    own = free_spectrum(g, N=N, q=network_q(net))
    u = (np.arange(N) + 0.5) / N
    bulk = u <= 0.95
    rms = np.sqrt(np.mean((sim.exponents - law.exponents)[bulk] ** 2))
    rms_own = np.sqrt(np.mean((sim.exponents - own.exponents)[bulk] ** 2))
    newman = rmt.newman_spectrum(N, math.exp(2 * law.lambda_max))
    rms_newman = np.sqrt(np.mean((sim.exponents - newman.exponents)[bulk] ** 2))
    return sim, law, own, rms, rms_own, rms_newman


def test_free_law_against_small_simulation():
    # N = 150, T = 2000, seed 4 (measured: RMS 0.034 with the DMFT q, 0.013 with the network's q)
    sim, law, own, rms, rms_own, rms_newman = _compare(2.0, 150, 4, 2000)
    assert rms_own < 0.02 and rms < 0.05 and rms_newman > 0.5
    assert -0.10 < sim.dimension_per_N / own.dimension_per_N - 1 < 0.0


@pytest.mark.slow
@pytest.mark.parametrize("g", [2.0, 3.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_free_law_against_simulation_N300(g, seed):
    sim, law, own, rms, rms_own, rms_newman = _compare(g, 300, seed, 3000)
    assert rms_own < 0.025                 # measured <= 0.020 (4 seeds, g = 2, 3)
    assert rms < 0.07                      # measured <= 0.064: the quenched fluctuation of q
    assert rms_newman > 0.5
    se_d = sim.dimension_stderr / 300
    se_h = sim.entropy_rate_stderr / 300
    # finite-N bias: the simulation lies below the law, by at most the measured amount
    assert sim.dimension_per_N - 2 * se_d < own.dimension_per_N
    assert sim.entropy_rate_per_N - 2 * se_h < own.entropy_rate_per_N
    assert sim.dimension_per_N / own.dimension_per_N - 1 > -0.08          # measured >= -6.0 %
    assert sim.entropy_rate_per_N / own.entropy_rate_per_N - 1 > -0.16    # measured >= -12.5 %
    assert -0.15 < sim.dimension_per_N / law.dimension_per_N - 1 < 0.02


@pytest.mark.slow
def test_free_law_against_simulation_N1000():
    # python -m meanfield.rmt.validate free --N 1000 --T 2000 --seeds 1,2,3 --g 2,3 (408 s per run):
    # g = 2 bulk RMS 0.0032, 0.0057, 0.0029 with the DMFT q (0.0021-0.0026 with the network's own q);
    # D/N -0.3, -1.8, -0.4 % and H/N -0.5, -3.4, -0.8 % from the law (the finite-N bias, below it)
    N = 1000
    sim, law, own, rms, rms_own, rms_newman = _compare(2.0, N, 1, 2000)
    assert rms <= 0.01 and rms_own < 0.005 and rms_newman > 0.5     # the bar: bulk RMS <= 0.01
    se_d, se_h = sim.dimension_stderr / N, sim.entropy_rate_stderr / N
    assert law.dimension_per_N * (1 - 0.02) - 3 * se_d < sim.dimension_per_N < law.dimension_per_N + 3 * se_d
    assert law.entropy_rate_per_N * (1 - 0.04) - 3 * se_h < sim.entropy_rate_per_N
    assert sim.entropy_rate_per_N < law.entropy_rate_per_N + 3 * se_h


# ------------------------------------------------------------------ against published large-N spectra
#
# Full QR spectra of h_{t+1} = J tanh(h_t) at N = 4096 (seed 0; T = 4000 iterations at g = 2, 6000 at
# g = 3, 5), published as data by the authors of the single-site theory: davidclark1/rnn-lyapunov,
# data/network/map_g{2,3,5}_delta1_N4096_seed0.json (commit 41ba738), fields "stats" and
# "summaries" (their split-half RMS noise of the exponents: 0.0035, 0.0032, 0.0042).  Measured
# against the law: D/N -0.37 %, -0.19 %, -0.22 %; H/N -0.71 %, -0.36 %, -0.44 %; mean exponent
# -0.0015, -0.0011, -0.0026; lambda_1 - lambda(1/(2N)) -0.0003, -0.0005, -0.0009; network q
# +0.18 %, +0.08 %, +0.10 % above the DMFT q.  The finite-N bias shrinks from a few per cent at
# N = 300 to a few tenths of a per cent at N = 4096.
PUBLISHED_N4096 = {
    2.0: dict(q=2.1252962658754395, l1=0.15424857383342466, D=0.2565943547419256, H=0.010607628277429582,
              mean=-1.150547173290687),
    3.0: dict(q=6.310448709989739, l1=0.3095827739463295, D=0.2871684153701352, H=0.025105959458804516,
              mean=-2.2738958259539084),
    5.0: dict(q=20.720015218003333, l1=0.5311801482472548, D=0.24594292349133617, H=0.038911697738384224,
              mean=-4.909417388639489),
}


@pytest.mark.parametrize("g", sorted(PUBLISHED_N4096))
def test_free_law_against_published_N4096_spectra(g):
    ref = PUBLISHED_N4096[g]
    res = free_spectrum(g, N=4096)
    assert -0.006 < ref["D"] / res.dimension_per_N - 1 < 0.0            # measured -0.19 .. -0.37 %
    assert -0.010 < ref["H"] / res.entropy_rate_per_N - 1 < 0.0         # measured -0.36 .. -0.71 %
    assert abs(ref["mean"] - res.mean_exponent) < 0.004                 # measured <= 0.0026
    assert abs(ref["l1"] - res.exponents[0]) < 0.0015                   # measured <= 0.0009
    assert abs(ref["q"] / res.settings["q"] - 1) < 0.003                # measured <= 0.18 %


def test_spectrum_plot_overlays_the_theory_curve():
    import matplotlib
    matplotlib.use("Agg")
    net = mf.RandomNetwork(40, 2.0, time="discrete", seed=1)
    sim = mf.lyapunov_spectrum(net, t_sim=50, t_warmup=20, seed=2, progress=False)
    th = mf.rmt.lyapunov_spectrum(net)
    ax = sim.plot(theory=th)
    line = [ln for ln in ax.get_lines() if ln.get_label() == "theory (free)"][0]
    u, lam = line.get_data()
    assert u[0] > 0 and u[-1] < 1 and np.allclose(lam, th.quantile(u))
