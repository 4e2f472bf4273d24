r"""The result record of every random-matrix spectrum: :class:`RMTSpectrum`.

A theory spectrum has the same core as a simulated one (:class:`meanfield.LyapunovResult`):
``exponents`` (descending), ``dimension``, ``entropy_rate`` and their per-unit forms, so the two
can be compared field by field.  It also carries the N → ∞ law itself as a dense monotone table
of pairs :math:`(u, \lambda(u))` (``table_u``, ``table_lambda``), from which :meth:`quantile` and
:meth:`cdf` interpolate (monotone PCHIP) -- arrays, so ``save``/``load`` round-trip.

Conventions (physics.md §6): exponents in descending order, :math:`u = i/N` the rank fraction,
:math:`\lambda(u)` the quantile function of the N → ∞ spectrum, :math:`F(s) = 1 - u(s)` its CDF.
Rates are per iteration in discrete time and per τ (1/τ) in continuous time.
"""
from dataclasses import dataclass, field

import numpy as np

from ..results import Result, provenance

__all__ = ["RMTSpectrum", "spectrum_from_law"]


@dataclass
class RMTSpectrum(Result):
    r"""A Lyapunov spectrum from random-matrix theory (output of :func:`meanfield.rmt.lyapunov_spectrum`).

    Attributes
    ----------
    exponents : ndarray (n,)
        :math:`\lambda_i = \lambda(u_i)` at the rank fractions :math:`u_i = (i - 1/2)/n`,
        i = 1..n, descending (1/τ; per iteration in discrete time).
    table_u, table_lambda : ndarray (m,)
        The N → ∞ law as a dense table of :math:`(u, \lambda(u))`, u increasing on [0, 1],
        λ non-increasing; ``table_lambda`` may start/end at ±inf only where the law does.
    N : int
        System size the extensive quantities refer to (the model's N).
    dimension, entropy_rate : float
        Kaplan--Yorke dimension :math:`N\,u_{KY}` and entropy rate :math:`N\int_0^1\lambda^+du`
        of the N → ∞ law scaled to N (per iteration / 1/τ for the rate).
    dimension_per_N, entropy_rate_per_N : float
        :math:`u_{KY}` with :math:`\int_0^{u_{KY}}\lambda\,du = 0` (1 if the mean exponent is
        >= 0, 0 if :math:`\lambda_{\max} \le 0`) and :math:`\int_0^1 \lambda^+ du`.
    lambda_max : float
        :math:`\lambda(u \to 0)`, the top of the N → ∞ spectrum.
    lambda_max_error : float
        The method's error estimate of ``lambda_max`` against the exact N → ∞ value (the
        stationary DMFT exponent), NaN where none is known.
    mean_exponent : float
        :math:`\int_0^1 \lambda\,du` (may be -inf where the law has an atom at -inf).
    method : str
        "free", "semicircle", "snapshot" or "newman".
    regime : str
        Where the method holds and its measured error.
    model : dict or None
        The model's ``to_dict()`` (None for plain-parameter calls).
    settings : dict
        Parameters and solver settings (g, φ, q, quadrature sizes, ...).
    diagnostics : dict
        ``converged``, ``iterations``, ``n_evaluations``, ``fallbacks`` + method entries.
    versions : dict
        :func:`meanfield.results.provenance`.
    """

    exponents: np.ndarray
    table_u: np.ndarray
    table_lambda: np.ndarray
    N: int
    dimension: float
    entropy_rate: float
    dimension_per_N: float
    entropy_rate_per_N: float
    lambda_max: float
    lambda_max_error: float
    mean_exponent: float
    method: str
    regime: str
    model: object = None
    settings: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    @property
    def n_exponents(self):
        return int(self.exponents.size)

    @property
    def units(self):
        """'per iteration' (discrete time) or '1/tau' (continuous time)."""
        return "per iteration" if self.settings.get("time") == "discrete" else "1/tau"

    def _finite_table(self):
        u = np.asarray(self.table_u, dtype=np.float64)
        lam = np.asarray(self.table_lambda, dtype=np.float64)
        ok = np.isfinite(lam)
        return u[ok], lam[ok]

    def quantile(self, u):
        r"""The N → ∞ quantile :math:`\lambda(u)`, u in [0, 1] (monotone interpolation of the table).

        Outside the finite part of the table the law's end values are returned
        (:math:`\lambda(0)` = ``lambda_max``; -inf beyond the last finite entry where the law
        ends at -inf).
        """
        from scipy.interpolate import PchipInterpolator
        u = np.asarray(u, dtype=np.float64)
        if np.any(~np.isfinite(u)) or np.any((u < 0) | (u > 1)):
            raise ValueError("u must lie in [0, 1]")
        tu, tl = self._finite_table()
        out = PchipInterpolator(tu, tl, extrapolate=False)(u)
        out = np.where(u < tu[0], tl[0], out)
        end = self.table_lambda[-1] if not np.isfinite(self.table_lambda[-1]) else tl[-1]
        out = np.where(u > tu[-1], end, out)
        return float(out) if out.ndim == 0 else out

    def cdf(self, s):
        r"""The N → ∞ CDF :math:`F(s)` = fraction of exponents <= s (monotone interpolation)."""
        from scipy.interpolate import PchipInterpolator
        s = np.asarray(s, dtype=np.float64)
        if np.any(np.isnan(s)):
            raise ValueError("s must not be NaN")
        tu, tl = self._finite_table()
        # x = -lambda increasing; drop flat runs so the abscissae are strictly increasing
        x, y = -tl, 1.0 - tu
        keep = np.concatenate([[True], x[1:] > np.maximum.accumulate(x)[:-1]])
        x, y = x[keep], y[keep]
        out = PchipInterpolator(x, y, extrapolate=False)(-s)
        out = np.where(-s < x[0], 1.0, out)                      # above the top of the law
        out = np.where(-s > x[-1], y[-1], out)                   # below the finite part: atom at -inf
        out = np.clip(out, 0.0, 1.0)
        return float(out) if out.ndim == 0 else out

    def plot(self, ax=None, label=None, **kw):
        r"""Draw :math:`\lambda_i` against i/N (markers) and the N → ∞ law (line)."""
        from ..plotting import _axes
        ax = _axes(ax)
        n = self.exponents.size
        x = (np.arange(1, n + 1) - 0.5) / n
        ax.plot(x, self.exponents, ".", ms=3, label=label or f"theory ({self.method})", **kw)
        u, lam = self._finite_table()
        ax.plot(u, lam, "-", lw=1.0, color="k", label=r"$N\to\infty$ law")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlabel("i / N")
        unit = "per iteration" if self.units == "per iteration" else r"1/$\tau$"
        ax.set_ylabel(rf"$\lambda_i$  [{unit}]")
        ax.legend(frameon=False, fontsize="small")
        return ax


def spectrum_from_law(**kw):
    """Build an :class:`RMTSpectrum`, checking that nothing is silently NaN."""
    res = RMTSpectrum(**kw)
    for name in ("exponents", "table_u", "table_lambda"):
        a = getattr(res, name)
        if np.any(np.isnan(a)):
            raise FloatingPointError(f"internal error: {name} contains NaN ({res.method})")
    for name in ("dimension", "entropy_rate", "dimension_per_N", "entropy_rate_per_N", "lambda_max",
                 "mean_exponent"):
        if np.isnan(getattr(res, name)):
            raise FloatingPointError(f"internal error: {name} is NaN ({res.method})")
    return res
