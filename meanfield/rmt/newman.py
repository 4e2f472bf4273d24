r"""§6.1 Exact baseline: Lyapunov spectra of products of iid Gaussian matrices (Newman 1986).

For :math:`M_T = G_T \cdots G_1` with :math:`G_t` iid :math:`N\times N` real Gaussian matrices of
entry variance :math:`\sigma^2/N`, the exponents are exactly (finite N)

.. math::

    \lambda_i = \tfrac12\Big[\ln\frac{2\sigma^2}{N} + \psi\Big(\frac{N-i+1}{2}\Big)\Big],
    \qquad i = 1..N,

ψ the digamma function (per step): :math:`\ln|R_{ii}|` of the QR of a Gaussian matrix is
:math:`\tfrac12\ln(\sigma^2\chi^2_{N-i+1}/N)`.  As N → ∞, :math:`\lambda(u) = \tfrac12\ln(\sigma^2(1-u))`.

:func:`annealed_spectrum` measures, with the QR engine, the spectrum of products with a *fresh*
coupling matrix every step, :math:`(1-\Delta)\mathbb 1 + \Delta J_t D_t`, with gains
:math:`D_t` either drawn from the stationary DMFT distribution (``gains="dmft"``: iid
:math:`\phi'(\sqrt q z)`) or produced by the annealed dynamics itself (``gains="dynamics"``).
Against the quenched network (:func:`meanfield.lyapunov_spectrum`) and the theory laws it
separates the approximations of a theory (e.g. freeness of J and D, white gains) from
quenched-network effects.
"""
import math

import numpy as np
from scipy.special import digamma

from .._validation import check_choice, check_int, check_real, check_seed

__all__ = ["newman_exponents", "newman_spectrum", "annealed_spectrum"]


def newman_exponents(N, variance):
    r"""Exact finite-N exponents :math:`\tfrac12[\ln(2\sigma^2/N) + \psi((N-i+1)/2)]`, descending.

    Parameters
    ----------
    N : int
        Matrix size, N >= 1.
    variance : float
        :math:`\sigma^2` > 0 (entries have variance :math:`\sigma^2/N`).
    """
    N = check_int("N", N, 1)
    s2 = check_real("variance", variance, 0.0, low_open=True)
    i = np.arange(1, N + 1)
    return 0.5 * (math.log(2.0 * s2 / N) + digamma((N - i + 1) / 2.0))


def _law(s2):
    """(mean, H/N, D/N) of lambda(u) = 1/2 ln(s2 (1-u))."""
    from scipy.optimize import brentq
    L = math.log(s2)
    mean = 0.5 * (L - 1.0)
    if s2 <= 1.0:
        return mean, 0.0, 0.0
    H = 0.5 * (L - 1.0 + 1.0 / s2)
    if mean >= 0:
        return mean, H, 1.0
    # int_0^u lambda = 1/2 [(L - 1) - (w (ln(s2 w) - 1))] at w = 1 - u; root in w in (0, 1/s2)
    w = brentq(lambda w: w * (math.log(s2 * w) - 1.0) - (L - 1.0), 1e-300, 1.0 / s2, xtol=1e-300,
               rtol=1e-15)
    return mean, H, 1.0 - w


def newman_spectrum(N, variance, model=None):
    r"""Newman's exact spectrum of products of iid Gaussian matrices as an :class:`RMTSpectrum`.

    Parameters
    ----------
    N : int
        Matrix size.
    variance : float
        :math:`\sigma^2` (entries of variance :math:`\sigma^2/N`).

    Returns
    -------
    RMTSpectrum
        ``exponents``: the exact finite-N values (per step); the table, ``dimension_per_N``,
        ``entropy_rate_per_N`` and ``mean_exponent`` are those of the N → ∞ law
        :math:`\lambda(u) = \tfrac12\ln(\sigma^2(1-u))`; ``dimension`` and ``entropy_rate`` are
        N times them.
    """
    from ..results import diagnostics
    from .results import spectrum_from_law
    lam = newman_exponents(N, variance)
    s2 = float(variance)
    mean, H, D = _law(s2)
    w = np.geomspace(1.0, 1e-14, 3001)
    tu = np.concatenate([1.0 - w, [1.0]])
    tl = np.concatenate([0.5 * np.log(s2 * w), [-np.inf]])
    return spectrum_from_law(
        exponents=lam, table_u=tu, table_lambda=tl, N=int(N), dimension=N * D, entropy_rate=N * H,
        dimension_per_N=D, entropy_rate_per_N=H, lambda_max=0.5 * math.log(s2), lambda_max_error=0.0,
        mean_exponent=mean, method="newman",
        regime="products of iid Gaussian matrices (a fresh matrix every step): exact at every N",
        model=model, settings={"variance": s2, "N": int(N), "time": "discrete"},
        diagnostics=diagnostics(converged=True))


class _FreshProduct:
    """Step and Jacobian of h -> (1-a) h + a J_t phi(h) with a fresh J_t (and gains) every step.

    The QR engine calls ``jacobian(x)`` then ``step(x)`` with the same x in each tangent step
    (only ``step`` during the warm-up); the matrix drawn for the Jacobian is reused by the step.
    """

    def __init__(self, N, g, nl, leak, gains, q, rng):
        self.N, self.g, self.nl, self.a, self.gains, self.q, self.rng = N, g, nl, leak, gains, q, rng
        self.sd = g / math.sqrt(N)
        self._pending = None

    def _draw(self):
        return self.rng.standard_normal((self.N, self.N)) * self.sd

    def jacobian(self, x):
        J = self._draw()
        if self.nl.name == "linear":
            d = np.ones(self.N)
        elif self.gains == "dmft":
            d = self.nl.derivative(math.sqrt(self.q) * self.rng.standard_normal(self.N))
        else:
            d = self.nl.derivative(x)
        self._pending = (x.copy(), J)
        out = self.a * (J * d[None, :])
        out[np.diag_indices(self.N)] += 1.0 - self.a
        return out

    def step(self, x):
        if self._pending is not None and np.array_equal(self._pending[0], x):
            J = self._pending[1]
        else:
            J = self._draw()
        self._pending = None
        if self.gains == "dmft":
            return x                     # the state is not used: gains come from the DMFT
        return (1.0 - self.a) * x + self.a * (J @ self.nl(x))


def annealed_spectrum(g, phi="tanh", N=100, gains="dmft", leak=1.0, t_sim=1000, t_warmup=100, seed=None,
                      n_exponents=None, n_blocks=10, threads=1, progress=False):
    r"""QR-engine spectrum of annealed products :math:`(1-\Delta)\mathbb 1 + \Delta J_t D_t`.

    A fresh :math:`J_t` (:math:`N(0, g^2/N)` entries, diagonal kept) every step.

    Parameters
    ----------
    g : float
        Gain, g > 0.
    phi : str or (phi, dphi) pair
        Transfer function; "linear" gives :math:`D_t = \mathbb 1` (Newman's products, σ² = g²).
    N : int
        Size.
    gains : {"dmft", "dynamics"}
        "dmft": :math:`D_t = \mathrm{diag}\,\phi'(\sqrt q z_t)`, :math:`z_t` iid N(0, 1), q the
        stationary discrete-time DMFT variance (for leak < 1 the DMFT gains are correlated in
        time; drawing them white is then an additional approximation).  "dynamics": the gains
        of the annealed state :math:`h_{t+1} = (1-\Delta)h_t + \Delta J_t\phi(h_t)`.
    leak : float
        Δ in (0, 1].
    t_sim, t_warmup : int
        Accumulated and warm-up iterations.
    seed : int or None
        Seed of the matrices, gains and the engine's basis.
    n_exponents, n_blocks, threads, progress
        Passed to :func:`meanfield.lyapunov_spectrum`.

    Returns
    -------
    meanfield.LyapunovResult
        The engine's result (exponents per iteration, block standard errors); ``system`` holds
        the annealed settings.
    """
    from .. import nonlinearities
    from ..lyapunov import lyapunov_spectrum
    from ..systems import Map
    g = check_real("g", g, 0.0, low_open=True)
    nl = nonlinearities.resolve(phi)
    N = check_int("N", N, 1)
    gains = check_choice("gains", gains, {"dmft", "dynamics"})
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    ss = check_seed("seed", seed)
    ss_mat, ss_run = ss.spawn(2)
    q = 0.0
    if nl.name != "linear" and gains == "dmft":
        from ..dmft import solve_scs
        q = solve_scs(g, phi=nl, time="discrete", leak=leak).variance
    rng = np.random.default_rng(ss_mat)
    fp = _FreshProduct(N, g, nl, leak, gains, q, rng)
    x0 = np.random.default_rng(ss_run.spawn(1)[0]).standard_normal(N) * max(math.sqrt(q), 1.0)
    sysm = Map(fp.step, fp.jacobian, x0, name=f"annealed(g={g}, phi={nl.name}, gains={gains}, leak={leak})")
    return lyapunov_spectrum(sysm, n_exponents=n_exponents, t_sim=t_sim, t_warmup=t_warmup, seed=ss_run,
                             n_blocks=n_blocks, threads=threads, progress=progress)
