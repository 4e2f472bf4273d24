"""Transfer-function registry (meanfield._transfer): the Numba, numpy and mpmath forms of every
built-in phi agree, Phi' = phi, sech^2 has no cancellation, and user pairs compile once."""
import math

import mpmath as mp
import numpy as np
import pytest

from meanfield import _transfer as T
from meanfield.nonlinearities import resolve

X = np.array([-40.0, -7.5, -1.0, -0.3, -1e-9, 0.0, 1e-9, 0.2, 0.999, 1.0, 3.0, 19.5, 40.0])
NAMES = ("tanh", "relu", "erf", "linear")


@pytest.mark.parametrize("name", NAMES)
def test_numba_numpy_and_mpmath_forms_agree(name):
    code = T.CODES[name]
    npf = T.np_forms(name)
    nb = {"phi": np.array([T.phi(code, x) for x in X]), "dphi": np.array([T.dphi(code, x) for x in X]),
          "Phi": np.array([T.prim(code, x) for x in X])}
    with mp.workdps(40):
        mpf = T.mp_forms(name, mp)
        for key in ("phi", "dphi", "Phi"):
            ref = np.array([float(mpf[key](mp.mpf(float(x)))) for x in X])
            # a few ulp, times the conditioning (~x^2) of exp(-a^2 x^2) and 1/cosh^2 x at large |x|
            tol = 4e-16 * (1.0 + X * X) * np.maximum(np.abs(ref), 1e-300)
            assert np.all(np.abs(nb[key] - ref) <= tol), (name, key)
            assert np.all(np.abs(npf[key](X) - ref) <= tol), (name, key)
    for i, x in enumerate(X):
        p, d = T.act(code, x)
        assert p == nb["phi"][i] and d == nb["dphi"][i]
        for fk, want in ((T.F_PHI, nb["phi"][i]), (T.F_DPHI, nb["dphi"][i]), (T.F_PRIM, nb["Phi"][i]),
                         (T.F_PHI2, nb["phi"][i] ** 2)):
            assert T.fval(code, fk, x) == want
        assert T.fval(code, T.F_DPHI2, x) == pytest.approx(nb["dphi"][i] ** 2, rel=1e-15, abs=0.0)


@pytest.mark.parametrize("name", NAMES)
def test_primitive_derivative_is_phi(name):
    code = T.CODES[name]
    h = 1e-5
    for x in (-2.3, -0.4, 0.7, 1.9):
        d = (T.prim(code, x + h) - T.prim(code, x - h)) / (2 * h)
        assert d == pytest.approx(T.phi(code, x), abs=1e-9)


def test_sech2_is_one_over_cosh2_without_cancellation():
    # 1 - tanh^2 is 0 here; 1/cosh^2 keeps full relative accuracy until it underflows
    for x in (20.0, 50.0, 300.0):
        ref = 4.0 * math.exp(-2.0 * x) / (1.0 + math.exp(-2.0 * x)) ** 2
        assert T.sech2(x) == pytest.approx(ref, rel=1e-13)
    assert T.sech2(800.0) == 0.0 and T.dphi(T.TANH, -800.0) == 0.0


def test_user_pair_compiles_once_and_vectorises():
    def f(x):
        return x / (1.0 + abs(x))

    def df(x):
        return 1.0 / (1.0 + abs(x)) ** 2

    assert T.jit(f) is T.jit(f)
    nl = resolve((f, df))
    x = np.array([[-2.0, 0.0], [0.5, 3.0]])
    assert np.array_equal(nl(x), np.vectorize(f)(x)) and nl(x).shape == (2, 2)
    assert float(nl.derivative(0.0)) == 1.0 and np.ndim(nl.derivative(0.0)) == 0
    fv = T.user_fval(f, df)
    assert fv(0, T.F_DPHI2, 1.0) == 0.0625 and math.isnan(fv(0, T.F_PRIM, 1.0))
    assert T.user_fval(f, df, lambda x: abs(x) - math.log1p(abs(x)))(0, T.F_PRIM, 1.0) == pytest.approx(
        1.0 - math.log(2.0), rel=1e-15)
