"""Every amplitude converges: lambda(I1) of the independent-input DMFT from I1 = 0 to 3 I1*.

SCS tanh (g = 1.5, 2, 3) and balanced ReLU (g = 2, 3; N = K = 500 and 20000, J0 = I0 = 1) at
f = 0.05, 0.2, 0.5: ten amplitudes each, solved by :func:`meanfield.dmft.lambda_max_curve` (continuation
along the curve).  Checks at every point: converged and finite; lambda(0) is the no-input value
(solve_scs / solve_balanced, to 1e-8); the branch rule (chaotic below I1*, periodic above, |lambda| < 1e-3
at I1* itself); lambda non-increasing along the curve (to 1e-6) and no jump between neighbours larger than
0.6 of the range of lambda on the curve (the neighbours are I1*/3 apart; a branch switch to a wrong
solution shows as a jump).  I1* (``CRITICAL``) was computed with
``independent_critical_amplitude(..., xtol=1e-4)``; the fast subset recomputes one.
"""
import numpy as np
import pytest

from meanfield import dmft
from meanfield.dmft.independent import independent_critical_amplitude

# I1* (xtol 1e-4): (network, g, K, f) -> amplitude
CRITICAL = {
    ("scs", 1.5, None, 0.05): 0.5117763014909436,
    ("scs", 1.5, None, 0.2): 1.4795704527641516,
    ("scs", 1.5, None, 0.5): 3.305457917870457,
    ("scs", 2.0, None, 0.05): 1.1134808143721353,
    ("scs", 2.0, None, 0.2): 2.3984621271615207,
    ("scs", 2.0, None, 0.5): 4.940768494612923,
    ("scs", 3.0, None, 0.05): 2.6634133149532886,
    ("scs", 3.0, None, 0.2): 4.18990955487476,
    ("scs", 3.0, None, 0.5): 7.779217396827863,
    ("bal", 2.0, 500, 0.05): 3.178771894799521,
    ("bal", 2.0, 500, 0.2): 4.227856703850581,
    ("bal", 2.0, 500, 0.5): 9.484622429070914,
    ("bal", 2.0, 20000, 0.05): 2.913229874527683,
    ("bal", 2.0, 20000, 0.2): 3.9514232109279,
    ("bal", 2.0, 20000, 0.5): 8.880103393395915,
    ("bal", 3.0, 500, 0.05): 36.49642714354117,
    ("bal", 3.0, 500, 0.2): 18.219007818522705,
    ("bal", 3.0, 500, 0.5): 34.001869058485454,
    ("bal", 3.0, 20000, 0.05): 16.0597473193936,
    ("bal", 3.0, 20000, 0.2): 13.147970769156732,
    ("bal", 3.0, 20000, 0.5): 25.7394550234053,
}
FAST = [("bal", 2.0, 500, 0.2), ("bal", 2.0, 20000, 0.2), ("bal", 3.0, 500, 0.5)]
SLOW = [k for k in CRITICAL if k not in FAST]
JUMP = 0.6          # largest |lambda_{i+1} - lambda_i| allowed, in units of max(lambda) - min(lambda)


def _kw(net, K):
    return {"J0": 1.0, "I0": 1.0, "K": K} if net == "bal" else {}


def _reference(net, g, K):
    return dmft.solve_balanced(g, 1.0, 1.0, K) if net == "bal" else dmft.solve_scs(g)


def _check_sweep(key):
    net, g, K, f = key
    a = CRITICAL[key]
    amps = np.linspace(0.0, 3.0 * a, 10)
    c = dmft.lambda_max_curve(g, amplitudes=amps, frequency=f, **_kw(net, K))
    lam = c.lambda_max
    assert c.diagnostics["converged"] and np.all(np.isfinite(lam)) and np.all(np.isfinite(c.lambda_max_error))
    ref = _reference(net, g, K)
    assert abs(lam[0] - ref.lambda_max) <= 1e-8 and c.branch[0] == "chaotic"
    below, above = amps < a * (1 - 1e-3), amps > a * (1 + 1e-3)
    assert np.all(c.branch[below] == "chaotic") and np.all(lam[below] > 0), (key, lam, c.branch)
    assert np.all(c.branch[above] == "periodic") and np.all(lam[above] < 0), (key, lam, c.branch)
    at = ~below & ~above
    assert np.all(np.abs(lam[at]) < 1e-3), (key, lam)
    assert np.all(np.diff(lam) <= 1e-6), (key, lam)
    assert np.abs(np.diff(lam)).max() <= JUMP * (lam.max() - lam.min()), (key, lam)
    # periodic states exist down to I1*: their Floquet exponent is the reported one above I1*; below,
    # the chaotic exponent lies between 0 and it (both meet at 0 at I1*)
    assert np.all(c.periodic_lambda[above] == lam[above])
    pl = c.periodic_lambda[below]
    assert np.all(lam[below][np.isfinite(pl)] <= pl[np.isfinite(pl)] + 1e-9), (key, lam, c.periodic_lambda)
    return c


@pytest.mark.parametrize("key", FAST, ids=lambda k: "-".join(map(str, k)))
def test_sweep_fast(key):
    _check_sweep(key)


def test_critical_amplitude_recomputed():
    net, g, K, f = FAST[0]
    a = independent_critical_amplitude(g, f, bracket=(0.5, 20.0), xtol=1e-4, **_kw(net, K))
    assert a == pytest.approx(CRITICAL[FAST[0]], abs=2e-4)


@pytest.mark.slow
@pytest.mark.parametrize("key", SLOW, ids=lambda k: "-".join(map(str, k)))
def test_sweep(key):
    _check_sweep(key)
