"""Transfer functions phi and their derivatives phi'.

Built-ins (defined once, with their Numba, numpy and mpmath forms, in
:mod:`meanfield._transfer`; sech^2 is computed as 1/cosh^2):

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
from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from . import _transfer as T

_CODES = T.CODES


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
            return T.user_array(self.phi_user)(x)
        return T.np_forms(self.name)["phi"](x)

    def derivative(self, x):
        """phi'(x), vectorised (float64)."""
        x = np.asarray(x, dtype=np.float64)
        if self.code == K.USER:
            return T.user_array(self.dphi_user)(x)
        return T.np_forms(self.name)["dphi"](x)


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
