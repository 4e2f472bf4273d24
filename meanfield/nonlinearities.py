"""Transfer functions phi and their derivatives phi'.

Built-ins (Numba kernels select them by code; sech^2 is computed as 1/cosh^2):

=========  =========================  ==========================
name       phi(x)                     phi'(x)
=========  =========================  ==========================
"tanh"     tanh x                     1 / cosh^2 x
"relu"     max(x, 0)                  1 if x > 0 else 0
"erf"      erf(sqrt(pi) x / 2)        exp(-pi x^2 / 4)
"linear"   x                          1
=========  =========================  ==========================

"erf" is scaled to unit slope at the origin, like tanh.  A user pair
``(phi, dphi)`` of scalar, Numba-compilable functions is also accepted.
"""
import math
from dataclasses import dataclass

import numpy as np

from . import _kernels as K

_CODES = {"tanh": K.TANH, "relu": K.RELU, "erf": K.ERF, "linear": K.LINEAR}


@dataclass(frozen=True)
class Nonlinearity:
    """A resolved transfer function: ``name``, kernel ``code`` and user functions."""

    name: str
    code: int
    phi_user: object = None
    dphi_user: object = None

    def kernels(self):
        if self.code == K.USER:
            return K.kernel_set(self.phi_user, self.dphi_user)
        return K.kernel_set()

    def __call__(self, x):
        """phi(x), vectorised (float64)."""
        x = np.asarray(x, dtype=np.float64)
        if self.code == K.USER:
            return np.vectorize(self.phi_user, otypes=[np.float64])(x)
        return _ACT_NP[self.name][0](x)

    def derivative(self, x):
        """phi'(x), vectorised (float64)."""
        x = np.asarray(x, dtype=np.float64)
        if self.code == K.USER:
            return np.vectorize(self.dphi_user, otypes=[np.float64])(x)
        return _ACT_NP[self.name][1](x)


def _sech2(x):
    with np.errstate(over="ignore"):
        c = np.cosh(x)
        return 1.0 / (c * c)


def _erf(x):
    from scipy.special import erf
    return erf(math.sqrt(math.pi) / 2.0 * x)


_ACT_NP = {
    "tanh": (np.tanh, _sech2),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64)),
    "erf": (_erf, lambda x: np.exp(-math.pi / 4.0 * x * x)),
    "linear": (lambda x: np.array(x, dtype=np.float64), lambda x: np.ones_like(x)),
}


def resolve(phi):
    """Turn a name or a (phi, dphi) pair into a :class:`Nonlinearity`.

    Raises
    ------
    ValueError
        unknown name.
    TypeError
        not a name or a pair of Numba-compilable scalar functions.
    """
    if isinstance(phi, Nonlinearity):
        return phi
    if isinstance(phi, str):
        if phi not in _CODES:
            raise ValueError(f"phi must be one of {sorted(_CODES)} or a pair (phi, dphi), got {phi!r}")
        return Nonlinearity(phi, _CODES[phi])
    if isinstance(phi, (tuple, list)) and len(phi) == 2:
        f, df = phi
        if not (callable(f) and callable(df)):
            raise TypeError("phi must be a pair (phi, dphi) of callables")
        for fn, label in ((f, "phi"), (df, "dphi")):
            try:
                jf = K.jit(fn)
                v = jf(0.25)
                float(v)
            except Exception as exc:  # numba raises many error types
                raise TypeError(f"user {label} must be a Numba-compilable scalar function "
                                f"float -> float: {exc}") from None
        name = f"user:{getattr(f, '__name__', 'phi')}"
        return Nonlinearity(name, K.USER, f, df)
    raise TypeError(f"phi must be a name {sorted(_CODES)} or a pair (phi, dphi), got {phi!r}")
