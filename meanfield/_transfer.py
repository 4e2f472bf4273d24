r"""Transfer-function registry: each built-in :math:`\phi` defined once, in three forms.

========  ======================  ===================  =============================================
name      :math:`\phi(x)`          :math:`\phi'(x)`     primitive :math:`\Phi(x)`
========  ======================  ===================  =============================================
"tanh"    :math:`\tanh x`          :math:`1/\cosh^2 x`  :math:`\ln\cosh x`
"relu"    :math:`\max(x, 0)`       :math:`1\{x > 0\}`   :math:`\max(x, 0)^2/2`
"erf"     :math:`\mathrm{erf}(ax)`  :math:`e^{-a^2x^2}`  :math:`x\,\mathrm{erf}(ax)+e^{-a^2x^2}/(a\sqrt\pi)`
"linear"  :math:`x`                1                    :math:`x^2/2`
========  ======================  ===================  =============================================

with :math:`a = \sqrt\pi/2` (unit slope at the origin, like tanh).  :math:`\mathrm{sech}^2` is
always :math:`1/\cosh^2` (never :math:`1 - \tanh^2`, which cancels for large :math:`|x|`), and
:math:`\ln\cosh x = \mathrm{log1p}(2\sinh^2(x/2))` for :math:`|x| < 1`, else
:math:`|x| + \mathrm{log1p}(e^{-2|x|}) - \ln 2` (no cancellation, no overflow).

Forms
-----
* Numba scalar (``@njit(cache=True)``), used by every kernel: :func:`phi`, :func:`dphi`,
  :func:`prim` for a code (and :func:`d2phi`, :math:`\phi''`, for adjoints); from them
  :func:`act` gives :math:`(\phi, \phi')` (network
  kernels) and :func:`fval` the integrand ``fkind`` of the Gaussian
  integrals (:data:`F_PHI` :math:`\phi`, :data:`F_DPHI` :math:`\phi'`, :data:`F_PRIM`
  :math:`\Phi`, :data:`F_PHI2` :math:`\phi^2`, :data:`F_DPHI2` :math:`\phi'^2`).
* numpy array: :func:`np_forms` (``phi``, ``dphi``, ``Phi``) for the Python side.
* mpmath: :func:`mp_forms` for the reference path of :mod:`meanfield.gaussian`.

User pairs :math:`(\phi, \phi')` (and optionally :math:`\Phi`) of scalar functions are compiled
by one path: :func:`jit` (``njit`` unless already a dispatcher), bound into :func:`user_act` /
:func:`user_fval` and spliced into a kernel chain with :func:`clone`.
"""
import math
import types

import numpy as np
from numba import njit
from numba.core.dispatcher import Dispatcher

TANH, RELU, ERF, LINEAR, USER = 0, 1, 2, 3, -1
CODES = {"tanh": TANH, "relu": RELU, "erf": ERF, "linear": LINEAR}
F_PHI, F_DPHI, F_PRIM, F_PHI2, F_DPHI2 = 0, 1, 2, 3, 4

A_ERF = math.sqrt(math.pi) / 2.0       # erf: phi(x) = erf(A x)
A2 = math.pi / 4.0                     # A^2
B2 = math.pi / 2.0                     # 2 A^2
INV_A_SQRTPI = 2.0 / math.pi           # 1 / (A sqrt(pi))
LN2 = math.log(2.0)


# ---------------------------------------------------------------- Numba scalar forms

@njit(cache=True)
def sech2(x):
    """sech^2 x = 1 / cosh^2 x (0 once cosh^2 overflows)."""
    c = math.cosh(x)
    return 1.0 / (c * c)


@njit(cache=True)
def lncosh(x):
    """ln cosh x: log1p(2 sinh^2(x/2)) for |x| < 1 (no cancellation), else |x| + log1p(e^-2|x|) - ln 2."""
    ax = abs(x)
    if ax < 1.0:
        t = math.sinh(0.5 * x)
        return math.log1p(2.0 * t * t)
    return ax + math.log1p(math.exp(-2.0 * ax)) - LN2


@njit(cache=True)
def erf_prim(x):
    """Primitive of erf(A x): x erf(A x) + exp(-A^2 x^2) / (A sqrt(pi))."""
    return x * math.erf(A_ERF * x) + math.exp(-A2 * x * x) * INV_A_SQRTPI


@njit(cache=True)
def phi(code, x):
    """phi(x) for a built-in code."""
    if code == TANH:
        return math.tanh(x)
    if code == RELU:
        return x if x > 0.0 else 0.0
    if code == ERF:
        return math.erf(A_ERF * x)
    return x


@njit(cache=True)
def dphi(code, x):
    """phi'(x) for a built-in code (tanh: 1/cosh^2)."""
    if code == TANH:
        return sech2(x)
    if code == RELU:
        return 1.0 if x > 0.0 else 0.0
    if code == ERF:
        return math.exp(-A2 * x * x)
    return 1.0


@njit(cache=True)
def d2phi(code, x):
    """phi''(x) for a built-in code (tanh: -2 tanh x / cosh^2 x; relu, linear: 0 -- relu's kink has
    measure zero; erf: -2 a^2 x exp(-a^2 x^2)).  Used by adjoints through the tangent dynamics."""
    if code == TANH:
        return -2.0 * math.tanh(x) * sech2(x)
    if code == ERF:
        return -B2 * x * math.exp(-A2 * x * x)
    return 0.0


@njit(cache=True)
def prim(code, x):
    """The primitive Phi(x) (Phi' = phi, fixed in the module docstring) for a built-in code."""
    if code == TANH:
        return lncosh(x)
    if code == RELU:
        p = x if x > 0.0 else 0.0
        return 0.5 * p * p
    if code == ERF:
        return erf_prim(x)
    return 0.5 * x * x


@njit(cache=True)
def act(code, x):
    """(phi(x), phi'(x)) for a built-in code (the network kernels' form)."""
    return phi(code, x), dphi(code, x)


@njit(cache=True)
def fval(code, fkind, x):
    """f(x) for a built-in code and fkind (F_PHI, F_DPHI, F_PRIM, F_PHI2, F_DPHI2); erf's phi'^2 is
    exp(-2 A^2 x^2) directly (no squaring error)."""
    if fkind == F_PHI:
        return phi(code, x)
    if fkind == F_DPHI:
        return dphi(code, x)
    if fkind == F_PRIM:
        return prim(code, x)
    if fkind == F_PHI2:
        y = phi(code, x)
        return y * y
    if code == ERF:
        return math.exp(-B2 * x * x)
    y = dphi(code, x)
    return y * y


# ---------------------------------------------------------------- numpy array forms

def _np_sech2(x):
    with np.errstate(over="ignore"):
        c = np.cosh(x)
        return 1.0 / (c * c)


def _np_lncosh(x):
    ax = np.abs(x)
    small = ax < 1.0
    t = np.sinh(0.5 * np.where(small, x, 0.0))
    return np.where(small, np.log1p(2.0 * t * t), ax + np.log1p(np.exp(-2.0 * ax)) - LN2)


def _np_erf(x):
    from scipy.special import erf
    return erf(A_ERF * x)


def _np_erf_prim(x):
    return x * _np_erf(x) + np.exp(-A2 * x * x) * INV_A_SQRTPI


_NP = {
    "tanh": (np.tanh, _np_sech2, _np_lncosh),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64),
             lambda x: 0.5 * np.maximum(x, 0.0) ** 2),
    "erf": (_np_erf, lambda x: np.exp(-A2 * x * x), _np_erf_prim),
    "linear": (lambda x: np.array(x, dtype=np.float64), lambda x: np.ones_like(x), lambda x: 0.5 * x * x),
}


def np_forms(name):
    """{"phi", "dphi", "Phi"}: numpy functions of a float64 array for the built-in ``name``."""
    return dict(zip(("phi", "dphi", "Phi"), _NP[name]))


# ---------------------------------------------------------------- mpmath forms

def mp_forms(name, mp):
    """{"phi", "dphi", "Phi"}: mpmath functions (at mp's working precision) for the built-in ``name``."""
    a = mp.sqrt(mp.pi) / 2
    if name == "tanh":
        return {"phi": mp.tanh, "dphi": lambda x: 1 / mp.cosh(x) ** 2, "Phi": lambda x: mp.log(mp.cosh(x))}
    if name == "relu":
        return {"phi": lambda x: x if x > 0 else mp.mpf(0),
                "dphi": lambda x: mp.mpf(1) if x > 0 else mp.mpf(0),
                "Phi": lambda x: x * x / 2 if x > 0 else mp.mpf(0)}
    if name == "erf":
        return {"phi": lambda x: mp.erf(a * x), "dphi": lambda x: mp.exp(-a * a * x * x),
                "Phi": lambda x: x * mp.erf(a * x) + mp.exp(-a * a * x * x) / (a * mp.sqrt(mp.pi))}
    if name == "linear":
        return {"phi": lambda x: x, "dphi": lambda x: mp.mpf(1), "Phi": lambda x: x * x / 2}
    raise ValueError(f"no built-in transfer function {name!r}")


# ---------------------------------------------------------------- user functions: one compile path

_JIT = {}
_ARRAY = {}


def jit(fn):
    """fn compiled with njit, unless it is a Numba dispatcher already (one dispatcher a function)."""
    if isinstance(fn, Dispatcher):
        return fn
    if fn not in _JIT:
        _JIT[fn] = njit(fn)
    return _JIT[fn]


def clone(fn, ns):
    """A copy of the Python function fn that resolves its globals in ns (to rebind callees)."""
    return types.FunctionType(fn.__code__, ns, fn.__name__, fn.__defaults__, fn.__closure__)


def user_act(phi, dphi):
    """Numba ``act(code, x) -> (phi(x), dphi(x))`` for a user pair (code ignored)."""
    p, d = jit(phi), jit(dphi)

    def uact(code, x):
        return p(x), d(x)
    return njit(uact)


@njit(cache=True)
def _no_primitive(x):
    return math.nan


def user_fval(phi, dphi, Phi=None):
    """Numba ``fval(code, fkind, x)`` for a user pair and optional primitive Phi (code ignored;
    F_PRIM without Phi gives NaN -- the Python callers require Phi first)."""
    p, d = jit(phi), jit(dphi)
    P = jit(Phi) if Phi is not None else _no_primitive

    def ufval(code, fkind, x):
        if fkind == F_PRIM:
            return P(x)
        y = d(x) if (fkind == F_DPHI or fkind == F_DPHI2) else p(x)
        if fkind == F_PHI2 or fkind == F_DPHI2:
            return y * y
        return y
    return njit(ufval)


@njit
def _map(f, x, out):
    for i in range(x.size):
        out[i] = f(x[i])


def user_array(fn):
    """Vectorise a scalar user function through its Numba compilation: x -> fn(x), float64."""
    if fn in _ARRAY:
        return _ARRAY[fn]
    jf = jit(fn)

    def vec(x):
        x = np.asarray(x, dtype=np.float64)
        out = np.empty(x.size)
        _map(jf, np.ascontiguousarray(x.ravel()), out)
        return out.reshape(x.shape)
    _ARRAY[fn] = vec
    return vec
