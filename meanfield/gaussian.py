r"""Gaussian integrals of transfer functions: the core of the mean-field solvers.

Notation: :math:`h \sim N(\mu, \sigma^2)` with ``var`` :math:`= \sigma^2`; :math:`(h_1, h_2)`
jointly Gaussian with means ``mu1, mu2``, variances ``v1, v2`` and covariance ``c``,
:math:`\rho = c/\sqrt{v_1 v_2}`.  :math:`\phi` is the transfer function, :math:`\phi'` its
derivative and :math:`\Phi` its primitive (:math:`\Phi' = \phi`), fixed as

==========  ==========================================================
tanh        :math:`\ln\cosh x = |x| + \log(1 + e^{-2|x|}) - \ln 2`
relu        :math:`x^2/2` for :math:`x > 0`, else 0
erf         :math:`x\,\mathrm{erf}(a x) + e^{-a^2 x^2}/(a\sqrt\pi)`, :math:`a = \sqrt\pi/2`
linear      :math:`x^2/2`
==========  ==========================================================

Public functions
----------------
:func:`expect`                 :math:`E[f(h)]`, f in {"phi", "phi2", "dphi", "dphi2", "Phi"}
:func:`expect2`                :math:`E[f(h_1) f(h_2)]`, f in {"phi", "dphi", "Phi"}
:func:`bivariate_normal_cdf`   :math:`\Phi_2(x_1, x_2; \rho)`
:func:`expect_mp`, :func:`expect2_mp`   mpmath reference path (slow; for verification)

Methods
-------
* ReLU: closed forms (univariate normal CDF/PDF, :math:`\Phi_2` through Owen's T and
  truncated bivariate moments, see :func:`expect2`).  The two-point forms carry a rounding
  error bound; where their terms cancel (bound > 1e-13 relative: :math:`\rho \to -1` with a
  nearly empty positive quadrant, means far below 0) they fall back to a quadrature over
  :math:`h_1 > 0` of :math:`f(h_1) E[f(h_2) \mid h_1]` (closed-form inner), all terms >= 0.
* erf: closed forms for every one-point integral and for the two-point "phi" and "dphi";
  the two-point "Phi" integrates the closed-form conditional expectation
  :math:`E[\Phi(h_2) \mid h_1]` over :math:`h_1` by quadrature.
* linear: closed forms (Isserlis).
* tanh and user pairs: composite Gauss-Legendre quadrature in :math:`z = (h-\mu)/\sigma` on
  :math:`[-9, 9]`, six uniform panels refined geometrically around the point where
  :math:`h = 0` (the transition of the transfer function, width ~1 in :math:`h`), 12 nodes a
  panel; Gauss-Hermite (20 nodes) for smooth built-ins when :math:`\sigma \le 0.2`.  Two-point
  integrals condition on :math:`h_1`:

  .. math:: E[f(h_1) f(h_2)] = E\big[f(h_1)\, E[f(h_2) \mid h_1]\big],\quad
            h_2 \mid h_1 \sim N\big(\mu_2 + (c/v_1)(h_1-\mu_1),\; v_2 - c^2/v_1\big),

  with :math:`v_1 v_2 - c^2` computed by error-free products (exact as :math:`\rho \to \pm1`)
  and a second refinement point where the conditional mean of :math:`h_2` crosses 0.

Accuracy, measured against mpmath (tests/test_gaussian.py) for var in [0, 1e4],
:math:`|\mu| \le 50`, :math:`\rho` up to :math:`\pm 1`: error below 1e-14 max(1, |value|)
for every method, and relative error below 1e-13 for one-point values >= 1e-8.  The
truncation at :math:`|z| = 9` leaves ~2e-19 max|f| absolute, so tail-dominated values much
smaller than that are accurate in absolute terms only.

Every value here comes from the Numba kernels of :mod:`meanfield._gauss_kernels` (``q1``,
``q2``, ``bvn_cdf``, looped over the broadcast arrays by ``q1_array``, ``q2_array``,
``bvn_cdf_array``), the same scalar code the solvers call in their inner loops; the transfer
functions come from the registry :mod:`meanfield._transfer`.  User transfer functions
are assumed to change fast only near :math:`h = 0` and on a scale of order 1 (a kink at 0 is
fine); rescale them otherwise.
"""
import math
import numbers

import numpy as np
from numba.core.dispatcher import Dispatcher
from scipy.special import ndtr as _ndtr

from . import _gauss_kernels as GK
from . import _kernels as K
from . import _transfer as T
from .nonlinearities import resolve

__all__ = ["expect", "expect2", "bivariate_normal_cdf", "expect_mp", "expect2_mp"]

_F1 = ("phi", "phi2", "dphi", "dphi2", "Phi")
_F2 = ("phi", "dphi", "Phi")
_FKIND = {"phi": GK.F_PHI, "dphi": GK.F_DPHI, "Phi": GK.F_PRIM, "phi2": GK.F_PHI2,
          "dphi2": GK.F_DPHI2}
_C_TOL = 1e-12


# ============================================================== validation

def _real_array(name, x, nonneg=False, allow_inf=False):
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number or array of real numbers, got {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be a real number or array of real numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a real number or array of real numbers, got {x!r}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex {x!r}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must not be NaN")
    if not allow_inf and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {x!r}")
    if nonneg and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got min {arr.min()!r}")
    return arr


def _check_f(f, allowed):
    if not isinstance(f, str) or f not in allowed:
        raise ValueError(f"f must be one of {list(allowed)}, got {f!r}")
    return f


def _check_c(v1, v2, c):
    v1, v2, c = np.broadcast_arrays(v1, v2, c)
    bad = np.abs(c) > np.sqrt(v1 * v2) * (1.0 + _C_TOL)
    if np.any(bad):
        i = np.flatnonzero(bad)[0]
        raise ValueError(f"covariance c must satisfy |c| <= sqrt(v1 v2); got c = {c.ravel()[i]!r} "
                         f"with v1 = {v1.ravel()[i]!r}, v2 = {v2.ravel()[i]!r}")


def _resolve(phi, Phi):
    nl = resolve(phi)
    if Phi is not None:
        if nl.code != K.USER:
            raise ValueError(f"Phi= is only used with a user pair (phi, dphi); the primitive of "
                             f"the built-in {nl.name!r} is fixed")
        if not callable(Phi):
            raise TypeError(f"Phi must be a callable float -> float, got {Phi!r}")
    return nl


def _user_kernels(nl, f, Phi):
    """Compiled quadrature kernels of a user pair (with Phi where f needs it)."""
    if f == "Phi":
        if Phi is None:
            raise ValueError(f"f='Phi' needs the primitive of the user transfer function "
                             f"{nl.name!r}: pass Phi=callable (Phi' = phi)")
        try:
            float(T.jit(Phi)(0.25))
        except Exception as exc:  # numba raises many error types
            raise TypeError(f"user Phi must be a Numba-compilable scalar function float -> float: "
                            f"{exc}") from None
        return GK.user_kernels(nl.phi_user, nl.dphi_user, Phi)
    return GK.user_kernels(nl.phi_user, nl.dphi_user)


def _out(x):
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


def _flat(*arrays):
    """(broadcast shape, contiguous 1-D float64 copies of the broadcast arguments)."""
    arrs = np.broadcast_arrays(*arrays)
    return arrs[0].shape, [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrs]


# ============================================================== bivariate normal CDF

def bivariate_normal_cdf(x1, x2, rho):
    r"""Bivariate standard normal CDF :math:`\Phi_2(x_1, x_2; \rho) = P(Z_1 < x_1, Z_2 < x_2)`.

    Owen's formula with :math:`r = \sqrt{1-\rho^2}`:

    .. math:: \Phi_2(h, k; \rho) = \tfrac12\Phi(h) + \tfrac12\Phi(k)
              - T\Big(h, \frac{k - \rho h}{h r}\Big) - T\Big(k, \frac{h - \rho k}{k r}\Big) - \beta,

    :math:`\beta = 0` if :math:`hk > 0` or (:math:`hk = 0` and :math:`h + k \ge 0`), else 1/2,
    with Owen's T by Gauss-Legendre (:func:`meanfield._gauss_kernels.owens_t`, ~1e-17
    absolute).  On the diagonal it reduces to
    :math:`\Phi_2(x, x; \rho) = \Phi(x) - 2T(x, \sqrt{(1-\rho)/(1+\rho)})`.  The numerators
    :math:`k - \rho h` are computed with error-free products, so the result is exact at
    :math:`\rho = \pm 1` (the Owen-T arguments become :math:`\pm\infty` or 0) and accurate to
    about 1e-16 absolute as :math:`\rho \to \pm 1`.  At :math:`\rho = \pm 1` exactly the result is
    :math:`\Phi(\min(x_1, x_2))` or :math:`\max(0, \Phi(x_1) - \Phi(-x_2))` with
    :func:`scipy.special.ndtr`.

    Parameters
    ----------
    x1, x2 : array_like
        Upper limits (may be :math:`\pm\infty`, not NaN).
    rho : array_like
        Correlation in [-1, 1].

    Returns
    -------
    float or ndarray
        Broadcast shape of the inputs.
    """
    x1 = _real_array("x1", x1, allow_inf=True)
    x2 = _real_array("x2", x2, allow_inf=True)
    rho = _real_array("rho", rho)
    if np.any(np.abs(rho) > 1.0):
        raise ValueError(f"rho must be in [-1, 1], got {rho[np.abs(rho) > 1].ravel()[0]!r}")
    shape, (x1, x2, rho) = _flat(x1, x2, rho)
    out = GK.bvn_cdf_array(x1, x2, rho, np.empty(x1.size))
    ends = np.abs(rho) == 1.0      # rho = +-1 exactly in scipy's Phi, as the closed forms promise
    if np.any(ends):
        a, b, up = x1[ends], x2[ends], rho[ends] > 0
        out[ends] = np.where(up, _ndtr(np.minimum(a, b)), np.maximum(0.0, _ndtr(a) - _ndtr(-b)))
    return _out(out.reshape(shape))


# ============================================================== public API

def expect(f, mu, var, phi="tanh", *, Phi=None):
    r"""One-point Gaussian integral :math:`E[f(h)]`, :math:`h \sim N(\mu, \sigma^2)`.

    .. math:: E[f(h)] = \int f(\mu + \sigma z)\, \frac{e^{-z^2/2}}{\sqrt{2\pi}}\, dz

    Parameters
    ----------
    f : {"phi", "phi2", "dphi", "dphi2", "Phi"}
        :math:`\phi`, :math:`\phi^2`, :math:`\phi'`, :math:`\phi'^2` or the primitive
        :math:`\Phi`.
    mu, var : array_like
        Mean (finite) and variance (:math:`\ge 0`); broadcast together.  ``var = 0`` gives
        the deterministic value :math:`f(\mu)`.
    phi : str, (phi, dphi) pair or Nonlinearity
        "tanh", "relu", "erf", "linear" or a user pair of scalar Numba-compilable functions
        (see :func:`meanfield.nonlinearities.resolve`).
    Phi : callable, optional
        Primitive of a user :math:`\phi`, needed for ``f="Phi"`` with a user pair.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Closed forms, with :math:`x = \mu/\sigma` and :math:`\Phi_N, \varphi_N` the standard
    normal CDF and density:

    * ReLU: :math:`E[\phi] = \sigma F_1(x)`, :math:`F_1 = x\Phi_N(x) + \varphi_N(x)`;
      :math:`E[\phi^2] = \sigma^2 F_2(x)`, :math:`F_2 = x\varphi_N(x) + (1+x^2)\Phi_N(x)`;
      :math:`E[\phi'] = E[\phi'^2] = \Phi_N(x)`; :math:`E[\Phi] = E[\phi^2]/2`.
    * erf, :math:`a = \sqrt\pi/2`, :math:`\kappa = 1 + 2a^2\sigma^2`:
      :math:`E[\phi] = \mathrm{erf}(a\mu/\sqrt\kappa)`,
      :math:`E[\phi'] = e^{-a^2\mu^2/\kappa}/\sqrt\kappa`,
      :math:`E[\phi'^2] = e^{-2a^2\mu^2/\kappa_2}/\sqrt{\kappa_2}`, :math:`\kappa_2 = 1 + 4a^2\sigma^2`,
      :math:`E[\Phi] = \mu\,\mathrm{erf}(a\mu/\sqrt\kappa) + \sqrt\kappa e^{-a^2\mu^2/\kappa}/(a\sqrt\pi)`
      (Stein's lemma), and :math:`E[\phi^2]` is ``expect2("phi", mu, mu, var, var, var)``.
    * linear: :math:`\mu`, :math:`\mu^2 + \sigma^2`, 1, 1, :math:`(\mu^2+\sigma^2)/2`.
    * tanh and user pairs: quadrature (module docstring).
    """
    _check_f(f, _F1)
    nl = _resolve(phi, Phi)
    mu = _real_array("mu", mu)
    var = _real_array("var", var, nonneg=True)
    shape, (mu, var) = _flat(mu, var)
    out = np.empty(mu.size)
    if nl.code == K.USER:
        _user_kernels(nl, f, Phi).q1_array(K.USER, _FKIND[f], mu, var, out)
    else:
        GK.q1_array(nl.code, _FKIND[f], mu, var, out)
    return _out(out.reshape(shape))


def expect2(f, mu1, mu2, v1, v2, c, phi="tanh", *, Phi=None):
    r"""Two-point Gaussian integral :math:`E[f(h_1) f(h_2)]`.

    Parameters
    ----------
    f : {"phi", "dphi", "Phi"}
        :math:`\phi`, :math:`\phi'` or the primitive :math:`\Phi`.
    mu1, mu2 : array_like
        Means (finite).
    v1, v2 : array_like
        Variances (:math:`\ge 0`).
    c : array_like
        Covariance, :math:`|c| \le \sqrt{v_1 v_2}` (up to a relative 1e-12; the excess is
        clipped).  All five broadcast together.
    phi : str, (phi, dphi) pair or Nonlinearity
        As in :func:`expect`.
    Phi : callable, optional
        Primitive of a user :math:`\phi` for ``f="Phi"``.

    Returns
    -------
    float or ndarray

    Notes
    -----
    With :math:`x_i = \mu_i/\sigma_i`, :math:`D = v_1 v_2 - c^2` (error-free products), ReLU
    uses the truncated moments :math:`I_{jk} = E[h_1^j h_2^k 1\{h_1>0, h_2>0\}]` from Stein's
    lemma with boundary terms,

    .. math::
        E[h_1 G\,1] = \mu_1 E[G 1] + v_1 E[\partial_1 G\,1] + c\,E[\partial_2 G\,1]
          + v_1 p_1(0) E[G\,1\{h_2>0\} \mid h_1=0] + c\,p_2(0) E[G\,1\{h_1>0\} \mid h_2=0],

    :math:`p_i(0) = \varphi_N(x_i)/\sigma_i`, :math:`h_2 \mid h_1{=}0 \sim N(m_{21}, s_{21}^2)`,
    :math:`m_{21} = (\mu_2 v_1 - c\mu_1)/v_1`, :math:`s_{21}^2 = D/v_1`.  Hence

    .. math::
        I_{00} &= \Phi_2(x_1, x_2; \rho) = E[\phi'\phi'],\\
        I_{01} &= \mu_2 I_{00} + \sigma_2\varphi_N(x_2) M_0^{(12)} + (c/\sigma_1)\varphi_N(x_1) M_0^{(21)},\\
        I_{11} &= \mu_1 I_{01} + c I_{00} + \sigma_1\varphi_N(x_1) M_1^{(21)} = E[\phi\phi],\\
        I_{02} &= \mu_2 I_{01} + v_2 I_{00} + (c/\sigma_1)\varphi_N(x_1) M_1^{(21)},\\
        I_{12} &= \mu_1 I_{02} + 2c I_{01} + \sigma_1\varphi_N(x_1) M_2^{(21)},\\
        I_{22} &= \mu_1 I_{12} + v_1 I_{02} + 2c I_{11} = 4 E[\Phi\Phi],

    with :math:`M_k = E[y^k 1\{y>0\}]` of the conditional laws.  A running bound on the
    rounding error of this recursion (and the absolute error of :math:`\Phi_2`) decides
    whether to fall back to the quadrature of :math:`f(h_1) E[f(h_2) \mid h_1]` over
    :math:`h_1 > 0` (closed-form inner expectation, non-negative integrand).  At zero mean,
    :math:`E[\phi'\phi'] = 1/4 + \arcsin\rho/(2\pi)` and
    :math:`E[\phi\phi] = \sigma_1\sigma_2[\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho]/(2\pi)`.

    erf: :math:`\mathrm{erf}(ax) = 2\Phi_N(bx) - 1`, :math:`b = \sqrt2 a`, so
    :math:`E[\phi\phi] = 4P - 2\Phi_N(y_1) - 2\Phi_N(y_2) + 1` with the orthant probability
    :math:`P = P(b h_1 - W_1 > 0, b h_2 - W_2 > 0)`, :math:`y_i = b\mu_i/\sqrt{1 + b^2 v_i}`
    (zero mean: :math:`(2/\pi)\arcsin(2a^2 c/\sqrt{(1+2a^2v_1)(1+2a^2v_2)})`);
    :math:`E[\phi'\phi'] = e^{-a^2 Q/\Delta}/\sqrt\Delta`, :math:`\Delta = \det(1 + 2a^2\Sigma)`,
    :math:`Q = \mu^T \mathrm{adj}(1 + 2a^2\Sigma)\mu`; :math:`E[\Phi\Phi]` by quadrature over
    :math:`h_1` of the closed-form :math:`E[\Phi(h_2)\mid h_1]`.
    Linear: :math:`\mu_1\mu_2 + c`, 1, :math:`[(\mu_1^2+v_1)(\mu_2^2+v_2) + 2c^2 + 4\mu_1\mu_2 c]/4`.
    tanh and user pairs: nested quadrature conditioning on :math:`h_1` (module docstring);
    :math:`v_1 = 0` gives :math:`f(\mu_1) E[f(h_2)]`.
    """
    _check_f(f, _F2)
    nl = _resolve(phi, Phi)
    mu1 = _real_array("mu1", mu1)
    mu2 = _real_array("mu2", mu2)
    v1 = _real_array("v1", v1, nonneg=True)
    v2 = _real_array("v2", v2, nonneg=True)
    c = _real_array("c", c)
    _check_c(v1, v2, c)
    shape, (mu1, mu2, v1, v2, c) = _flat(mu1, mu2, v1, v2, c)
    lim = np.sqrt(v1 * v2)
    c = np.clip(c, -lim, lim)
    out = np.empty(mu1.size)
    if nl.code == K.USER:
        _user_kernels(nl, f, Phi).q2_array(K.USER, _FKIND[f], mu1, mu2, v1, v2, c, out)
    else:
        GK.q2_array(nl.code, _FKIND[f], mu1, mu2, v1, v2, c, out)
    return _out(out.reshape(shape))


# ============================================================== mpmath reference path

def _mp_f(nl, f, Phi, mp):
    """mpmath version of f for the resolved transfer function."""
    if nl.code != K.USER:
        fs = T.mp_forms(nl.name, mp)
    else:
        def wrap(fn):
            py = fn.py_func if isinstance(fn, Dispatcher) else fn
            return lambda x: mp.mpf(float(py(float(x))))
        fs = {"phi": wrap(nl.phi_user), "dphi": wrap(nl.dphi_user)}
        if Phi is not None:
            fs["Phi"] = wrap(Phi)
        elif f == "Phi":
            raise ValueError(f"f='Phi' needs the primitive of the user transfer function "
                             f"{nl.name!r}: pass Phi=callable (Phi' = phi)")
    if f == "phi2":
        g = fs["phi"]
        return lambda x: g(x) ** 2
    if f == "dphi2":
        g = fs["dphi"]
        return lambda x: g(x) ** 2
    return fs[f]


def _mp_points(mp, zc, d, extra=()):
    """Split points in z: fixed Gaussian ones, zc and zc +- d 2^k up to 4 (inside +-40)."""
    P = {mp.mpf(t) for t in (-12, -8, -5, -3, -1.5, 0, 1.5, 3, 5, 8, 12)}
    for (z0, dd) in ((zc, d),) + tuple(extra):
        if z0 is None or not (-40 < z0 < 40):
            continue
        P.add(z0)
        t = dd
        while t < 4:
            for q in (z0 - t, z0 + t):
                if -40 < q < 40:
                    P.add(q)
            t *= 2
    return [mp.ninf] + sorted(P) + [mp.inf]


def _mp_check_args(dps):
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")


def _mp_scalar(name, x, nonneg=False):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if nonneg and x < 0:
        raise ValueError(f"{name} must be >= 0, got {x}")
    return x


def _mp_e1(mp, F, mu, s):
    """E[F(mu + s Z)] by mp.quad (mu, s mpf, s > 0); kink/transition at z = -mu/s."""
    g = lambda z: F(mu + s * z) * mp.exp(-z * z / 2)  # noqa: E731
    return mp.quad(g, _mp_points(mp, -mu / s, 1 / s)) / mp.sqrt(2 * mp.pi)


def expect_mp(f, mu, var, phi, dps=30, *, Phi=None):
    r"""Reference :math:`E[f(h)]` with mpmath (slow; for verification).

    ``mp.quad`` (tanh-sinh) in :math:`z = (h-\mu)/\sigma` over the real line, split at fixed
    Gaussian points and at :math:`z_0 = -\mu/\sigma` (the kink or transition of the transfer
    function) with refinement :math:`z_0 \pm 2^k/\sigma` up to 4.  No closed forms are used.
    Built-in functions are evaluated in mpmath; a user pair in double precision.

    Parameters
    ----------
    f, phi, Phi
        As in :func:`expect`.
    mu, var : float
        Scalars.
    dps : int
        Working decimal digits (>= 15).

    Returns
    -------
    mpmath.mpf
    """
    import mpmath as mp
    _check_f(f, _F1)
    nl = _resolve(phi, Phi)
    mu = _mp_scalar("mu", mu)
    var = _mp_scalar("var", var, nonneg=True)
    _mp_check_args(dps)
    with mp.workdps(dps):
        F = _mp_f(nl, f, Phi, mp)
        mu = mp.mpf(mu)
        var = mp.mpf(var)
        if var == 0:
            return +F(mu)
        return +_mp_e1(mp, F, mu, mp.sqrt(var))


def _mp_inner_closed(nl, f, mp):
    """Closed-form E[f(m + s Z)] in mpmath (ReLU, erf, linear), else None."""
    a = mp.sqrt(mp.pi) / 2
    if nl.code == K.RELU:
        def inner(m, s):
            if s == 0:
                p = m if m > 0 else mp.mpf(0)
                return {"phi": p, "dphi": mp.mpf(1) if m > 0 else mp.mpf(0), "Phi": p * p / 2}[f]
            x = m / s
            cdf = mp.ncdf(x)
            pdf = mp.npdf(x)
            return {"phi": m * cdf + s * pdf, "dphi": cdf,
                    "Phi": ((m * m + s * s) * cdf + m * s * pdf) / 2}[f]
        return inner
    if nl.code == K.ERF:
        def inner(m, s):
            k = 1 + 2 * a * a * s * s
            if f == "phi":
                return mp.erf(a * m / mp.sqrt(k))
            if f == "dphi":
                return mp.exp(-a * a * m * m / k) / mp.sqrt(k)
            sk = mp.sqrt(k)
            return m * mp.erf(a * m / sk) + sk * mp.exp(-a * a * m * m / k) / (a * mp.sqrt(mp.pi))
        return inner
    if nl.code == K.LINEAR:
        return lambda m, s: {"phi": m, "dphi": mp.mpf(1), "Phi": (m * m + s * s) / 2}[f]
    return None


def expect2_mp(f, mu1, mu2, v1, v2, c, phi, dps=30, *, Phi=None, inner="auto"):
    r"""Reference :math:`E[f(h_1) f(h_2)]` with mpmath (slow; for verification).

    Conditions on :math:`h_1 = \mu_1 + \sigma_1 z`: ``mp.quad`` over :math:`z` of
    :math:`f(h_1)\, g(z)\, \varphi_N(z)` with :math:`g(z) = E[f(h_2) \mid h_1]`,
    :math:`h_2 \mid h_1 \sim N(\mu_2 + (c/\sigma_1) z,\; v_2 - c^2/v_1)` evaluated exactly in
    mpmath.  The outer integral is split as in :func:`expect_mp` around both
    :math:`z = -\mu_1/\sigma_1` and the zero of the conditional mean.  With ``inner="auto"``
    the conditional expectation uses the one-point closed form in mpmath where one exists
    (ReLU, erf, linear; these are checked against :func:`expect_mp`), otherwise (tanh, user
    pairs, or ``inner="quad"``) a nested ``mp.quad`` -- about a minute per value.

    Parameters
    ----------
    f, mu1, mu2, v1, v2, c, phi, Phi
        As in :func:`expect2`, scalars.
    dps : int
        Working decimal digits (>= 15).
    inner : {"auto", "quad"}

    Returns
    -------
    mpmath.mpf
    """
    import mpmath as mp
    _check_f(f, _F2)
    nl = _resolve(phi, Phi)
    mu1 = _mp_scalar("mu1", mu1)
    mu2 = _mp_scalar("mu2", mu2)
    v1 = _mp_scalar("v1", v1, nonneg=True)
    v2 = _mp_scalar("v2", v2, nonneg=True)
    c = _mp_scalar("c", c)
    _check_c(np.float64(v1), np.float64(v2), np.float64(c))
    _mp_check_args(dps)
    if inner not in ("auto", "quad"):
        raise ValueError(f"inner must be 'auto' or 'quad', got {inner!r}")
    with mp.workdps(dps):
        F = _mp_f(nl, f, Phi, mp)
        mu1, mu2, v1, v2, c = (mp.mpf(t) for t in (mu1, mu2, v1, v2, c))
        closed = _mp_inner_closed(nl, f, mp) if inner == "auto" else None

        def E1(m, s):
            if s == 0:
                return F(m)
            if closed is not None:
                return closed(m, s)
            return _mp_e1(mp, F, m, s)

        if v1 == 0:
            return +(F(mu1) * E1(mu2, mp.sqrt(v2)))
        s1 = mp.sqrt(v1)
        beta = c / s1
        s2 = mp.sqrt(max(v2 - c * c / v1, mp.mpf(0)))
        extra = ()
        if beta != 0:
            # g(z) switches where the conditional mean of h2 crosses 0, over a z-width
            # ~ s2/|beta| for kinked phi (s2 > 0), ~ 1/|beta| otherwise
            kinked = nl.code in (K.RELU, K.USER) and s2 > 0
            extra = ((-mu2 / beta, (min(s2, mp.mpf(1)) if kinked else mp.mpf(1)) / abs(beta)),)

        def g(z):
            return F(mu1 + s1 * z) * E1(mu2 + beta * z, s2) * mp.exp(-z * z / 2)
        return +(mp.quad(g, _mp_points(mp, -mu1 / s1, 1 / s1, extra)) / mp.sqrt(2 * mp.pi))
