"""§6.1 Newman's exact spectrum of products of iid Gaussian matrices, and annealed products."""
import math

import numpy as np
import pytest
from scipy.special import digamma

import meanfield as mf
from meanfield import rmt


def test_newman_formula_and_law():
    lam = rmt.newman_exponents(40, 2.0)
    i = np.arange(1, 41)
    np.testing.assert_allclose(lam, 0.5 * (np.log(4.0 / 40) + digamma((41 - i) / 2)), rtol=0, atol=1e-15)
    assert np.all(np.diff(lam) < 0)
    res = rmt.newman_spectrum(40, 2.0)
    np.testing.assert_array_equal(res.exponents, lam)
    # N -> infinity law 1/2 ln(s2 (1 - u)): mean 1/2 (ln s2 - 1), H/N = 1/2 (ln s2 - 1 + 1/s2)
    assert res.mean_exponent == pytest.approx(0.5 * (math.log(2.0) - 1.0), abs=1e-15)
    assert res.entropy_rate_per_N == pytest.approx(0.5 * (math.log(2.0) - 1.0 + 0.5), abs=1e-15)
    u = np.linspace(0.0, 1.0, 2000001)[1:-1]
    cum = np.cumsum(0.5 * np.log(2.0 * (1 - u))) * (u[1] - u[0])
    assert abs(res.dimension_per_N - u[np.argmax(cum < 0)]) < 2e-6
    assert abs(res.quantile(0.5) - 0.5 * math.log(1.0)) < 1e-6
    # the law is the large-N limit of the exact exponents
    big = rmt.newman_exponents(4000, 2.0)
    ui = (np.arange(4000) + 0.5) / 4000
    assert np.max(np.abs(big - 0.5 * np.log(2.0 * (1 - ui)))[ui < 0.9]) < 2e-3


class _FreshGaussian:
    """Jacobian = a fresh N x N Gaussian matrix (entries N(0, s2/N)) at every call."""

    def __init__(self, N, s2, seed):
        self.N, self.sd = N, math.sqrt(s2 / N)
        self.rng = np.random.default_rng(seed)

    def step(self, x):
        return x

    def jacobian(self, x):
        return self.rng.standard_normal((self.N, self.N)) * self.sd


@pytest.mark.parametrize("N,s2,seed", [(20, 1.0, 1), (50, 4.0, 2)])
def test_newman_against_qr_engine(N, s2, seed):
    """The QR engine on fresh Gaussian products reproduces Newman's law within its standard error.

    ln|R_ii| of each step is iid (invariance of the Gaussian ensemble), so the block errors are
    honest: every |z| = |lambda_sim - lambda_Newman| / SE < 4 and the z RMS is ~1 (measured: 1.2 and
    0.9 at N = 30 earlier runs).
    """
    fg = _FreshGaussian(N, s2, seed)
    sysm = mf.Map(fg.step, fg.jacobian, np.ones(N), name="fresh Gaussian products")
    res = mf.lyapunov_spectrum(sysm, t_sim=3000, t_warmup=0, t_warmup_tangent=0, seed=seed, n_blocks=20,
                               progress=False)
    z = (res.exponents - rmt.newman_exponents(N, s2)) / res.stderr
    assert np.max(np.abs(z)) < 4.0
    assert 0.5 < np.sqrt(np.mean(z ** 2)) < 1.6
    # the difference is resolved: the N -> infinity law misses the exact bottom exponents by >> SE
    ui = (np.arange(N) + 0.5) / N
    assert abs(res.exponents[-1] - 0.5 * math.log(s2 * (1 - ui[-1]))) > 10 * res.stderr[-1]


def test_annealed_linear_is_newman():
    res = rmt.annealed_spectrum(1.5, "linear", N=30, t_sim=3000, t_warmup=10, seed=3, n_blocks=20)
    z = (res.exponents - rmt.newman_exponents(30, 2.25)) / res.stderr
    assert np.max(np.abs(z)) < 4.0


def test_annealed_dmft_gains_near_free_law():
    # fresh J every step, DMFT gains: freeness holds as N -> inf; measured at g = 2 (seed 5) bulk RMS
    # 0.012, 0.012, 0.006 and D/N 0.2463, 0.2504, 0.2540 at N = 100, 200, 400 (law 0.2576)
    res = rmt.annealed_spectrum(2.0, "tanh", N=100, gains="dmft", t_sim=2000, t_warmup=20, seed=5)
    law = rmt.free_spectrum(2.0, N=100)
    u = (np.arange(100) + 0.5) / 100
    rms = np.sqrt(np.mean((res.exponents - law.exponents)[u <= 0.95] ** 2))
    assert rms < 0.02
    assert -0.07 < res.dimension_per_N / law.dimension_per_N - 1 < 0.0


def test_annealed_dynamics_gains_runs():
    res = rmt.annealed_spectrum(2.0, "tanh", N=40, gains="dynamics", t_sim=200, t_warmup=50, seed=1)
    assert res.exponents.size == 40 and np.all(np.isfinite(res.exponents))
    assert res.exponents[0] > 0


def test_front_end_newman():
    net = mf.RandomNetwork(30, 1.5, time="discrete", seed=1)
    res = rmt.lyapunov_spectrum(net, method="newman")
    assert res.method == "newman"
    np.testing.assert_array_equal(res.exponents, rmt.newman_exponents(30, 2.25))
    with pytest.raises(ValueError, match="n = 10"):
        rmt.lyapunov_spectrum(net, method="newman", n=10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="variance"):
        rmt.newman_exponents(10, 0.0)
    with pytest.raises(TypeError, match="N must"):
        rmt.newman_exponents(10.5, 1.0)
    with pytest.raises(ValueError, match="N must"):
        rmt.newman_spectrum(0, 1.0)
    with pytest.raises(ValueError, match="gains"):
        rmt.annealed_spectrum(2.0, gains="quenched")
    with pytest.raises(ValueError, match="leak"):
        rmt.annealed_spectrum(2.0, leak=0.0)
    with pytest.raises(ValueError, match="g must"):
        rmt.annealed_spectrum(-2.0)
