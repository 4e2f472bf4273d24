"""Gaussian-integral core (meanfield.gaussian, meanfield._gauss_kernels) against mpmath.

Reference values: the mpmath path (expect_mp / expect2_mp) is slow (0.1-0.4 s a value, about
a minute for a tanh two-point value), so the broad grids below are checked against values it
produced, stored in REF1 / REF2 at the end of this file.  ``test_reference_tables_are_live``
recomputes a spread of them on every run, and the ``slow`` test recomputes all of them
(``pytest -m slow``).

Tolerance everywhere: |value - reference| <= 1e-12 * max(1, |reference|) (absolute for values
below 1, relative above), plus a relative 1e-12 for one-point values >= 1e-8.
"""
import math

import mpmath as mp
import numpy as np
import pytest
from numba import njit
from scipy.special import ndtr, owens_t

import meanfield.gaussian as mg
from meanfield import _gauss_kernels as G
from meanfield._kernels import ERF, LINEAR, RELU, TANH

CODES = {"tanh": TANH, "relu": RELU, "erf": ERF, "linear": LINEAR}
FK = {"phi": G.F_PHI, "dphi": G.F_DPHI, "Phi": G.F_PRIM, "phi2": G.F_PHI2, "dphi2": G.F_DPHI2}
F1 = ("phi", "phi2", "dphi", "dphi2", "Phi")
F2 = ("phi", "dphi", "Phi")
TOL = 1e-12


def assert_close(val, ref, tol=TOL, what=""):
    val = np.asarray(val, dtype=float)
    ref = np.asarray(ref, dtype=float)
    err = np.abs(val - ref) / np.maximum(1.0, np.abs(ref))
    assert np.all(np.isfinite(val)), f"{what}: non-finite value {val}"
    i = int(np.argmax(err))
    assert err.ravel()[i] <= tol, (f"{what}: err {err.ravel()[i]:.3e} > {tol:g} at index {i}: "
                                   f"value {val.ravel()[i]!r} reference {ref.ravel()[i]!r}")


# ------------------------------------------------------------------ grids
# one-point (mu, var): var = 0, tiny, 1e4; |mu| = 50
PTS1 = [(0.0, 0.0), (0.7, 0.0), (0.0, 1e-8), (0.3, 0.5), (-2.5, 1.0), (2.5, 4.0), (-7.0, 30.0),
        (15.0, 4.0), (50.0, 1.0), (-50.0, 1.0), (50.0, 1e4), (-50.0, 1e4), (0.0, 1e4),
        (-1.0, 300.0)]
# two-point (mu1, mu2, v1, v2, rho); c = rho sqrt(v1 v2) in floating point
PTS2 = [(0.0, 0.0, 1.0, 1.0, 0.5), (0.0, 0.0, 1.0, 1.0, -0.7), (0.7, -2.0, 0.3, 4.0, 0.6),
        (-2.0, 0.7, 0.3, 4.0, 1 - 1e-10), (-2.0, 0.7, 0.3, 4.0, -(1 - 1e-10)),
        (0.7, 0.7, 1.0, 1.0, 1.0), (0.7, -0.7, 1.0, 1.0, -1.0), (3.0, 1.0, 0.0, 2.5, 0.0),
        (3.0, 1.0, 2.5, 0.0, 0.0), (3.0, -1.0, 0.0, 0.0, 0.0),
        (50.0, -50.0, 1e4, 1e4, -(1 - 1e-10)), (0.0, 0.0, 1e4, 1e4, 1 - 1e-10),
        (-50.0, -50.0, 1e4, 1e4, -0.6), (50.0, 50.0, 1e4, 0.01, 0.3), (0.3, 0.2, 1e-8, 1.0, 0.7),
        (-50.0, 50.0, 1.0, 1.0, 0.2), (0.1, 0.1, 0.04, 0.04, 1 - 1e-10), (1.0, -3.0, 2.0, 5.0, -0.999),
        # both means below 0 (ReLU closed forms lose relative accuracy -> fallback)
        (-2.0, -1.5, 0.73, 0.053, 0.51), (-3.85, -1.97, 1.0, 1.0, 0.39), (-2.55, -3.35, 1.0, 1.0, 0.45),
        (-7.42, 7.99, 1.0, 1.0, -0.73)]
# tanh two-point cases (c given): see REF2_TANH
CLOSED2 = ("relu", "erf", "linear")


def c_of(v1, v2, rho):
    return rho * math.sqrt(v1 * v2)


@njit
def softsign(x):
    return x / (1.0 + abs(x))


@njit
def dsoftsign(x):
    return 1.0 / ((1.0 + abs(x)) ** 2)


def softsign_prim(x):
    return abs(x) - math.log1p(abs(x))


@njit
def user_relu(x):
    return x if x > 0.0 else 0.0


@njit
def user_step(x):
    return 1.0 if x > 0.0 else 0.0


def user_relu_prim(x):
    return 0.5 * x * x if x > 0 else 0.0


@njit
def user_tanh(x):
    return math.tanh(x)


@njit
def user_sech2(x):
    c = math.cosh(x)
    return 1.0 / (c * c)


USER = {"softsign": (softsign, dsoftsign, softsign_prim)}
PTS1_USER = [(0.0, 1.0), (0.3, 0.5), (-2.5, 4.0), (50.0, 1e4), (-1.0, 300.0), (0.7, 0.0)]


def ref1_key(phi, f, mu, var):
    return (phi, f, mu, var)


# ================================================================== one-point

@pytest.mark.parametrize("phi", ["tanh", "relu", "erf", "linear"])
def test_expect_against_mpmath_grid(phi):
    mus = np.array([p[0] for p in PTS1])
    vs = np.array([p[1] for p in PTS1])
    for f in F1:
        ref = np.array([REF1[ref1_key(phi, f, mu, v)] for mu, v in PTS1], dtype=float)
        val = mg.expect(f, mus, vs, phi)                       # vectorised call
        assert_close(val, ref, what=f"expect({f!r}, {phi})")
        big = np.abs(ref) >= 1e-8
        rel = np.abs(val - ref)[big] / np.abs(ref[big])
        assert rel.max() <= TOL, f"{phi} {f}: relative error {rel.max():.2e}"
        nb = np.array([G.q1(CODES[phi], FK[f], mu, v) for mu, v in PTS1])
        assert_close(nb, ref, what=f"q1({f!r}, {phi})")


def test_expect_user_pair_against_mpmath():
    f_, df_, F_ = USER["softsign"]
    for f in F1:
        ref = np.array([REF1[ref1_key("softsign", f, mu, v)] for mu, v in PTS1_USER], dtype=float)
        val = np.array([mg.expect(f, mu, v, (f_, df_), Phi=F_) for mu, v in PTS1_USER])
        assert_close(val, ref, what=f"softsign {f}")


def test_user_pairs_reproduce_builtins():
    """A user pair goes through the general quadrature (kink-aware layout): user relu against
    the ReLU closed forms, user tanh against the built-in tanh."""
    mus = np.array([0.0, 0.4, -1.5, 3.0, -50.0, 20.0])
    vs = np.array([1.0, 0.02, 2.0, 1e4, 1e4, 9.0])
    for f in F1:
        assert_close(mg.expect(f, mus, vs, (user_relu, user_step), Phi=user_relu_prim),
                     mg.expect(f, mus, vs, "relu"), what=f"user relu {f}")
        if f != "Phi":
            assert_close(mg.expect(f, mus, vs, (user_tanh, user_sech2)),
                         mg.expect(f, mus, vs, "tanh"), tol=1e-13, what=f"user tanh {f}")
    # two-point: the nested quadrature with kinks against the closed forms
    cases = [(0.3, -0.2, 1.0, 2.0, 0.4), (0.0, 0.0, 1.0, 1.0, 1 - 1e-10), (1.0, -0.5, 4.0, 0.5, -0.9),
             (0.5, 0.5, 1.0, 1.0, 1.0), (-1.0, 2.0, 0.3, 3.0, 0.0)]
    for f in F2:
        for (m1, m2, v1, v2, r) in cases:
            c = c_of(v1, v2, r)
            assert_close(mg.expect2(f, m1, m2, v1, v2, c, (user_relu, user_step), Phi=user_relu_prim),
                         mg.expect2(f, m1, m2, v1, v2, c, "relu"), what=f"user relu 2pt {f}")


def test_expect_deterministic_limit_and_small_variance():
    for phi in ("tanh", "relu", "erf", "linear"):
        nl_vals = {"phi": mg.expect("phi", 0.7, 0.0, phi), "dphi": mg.expect("dphi", 0.7, 0.0, phi)}
        for f in F1:
            v0 = mg.expect(f, 0.7, 0.0, phi)
            v1 = mg.expect(f, 0.7, 1e-24, phi)
            assert abs(v0 - v1) <= 1e-13, (phi, f, v0, v1)
        assert nl_vals["phi"] == pytest.approx({"tanh": math.tanh(0.7), "relu": 0.7,
                                                "erf": math.erf(math.sqrt(math.pi) / 2 * 0.7),
                                                "linear": 0.7}[phi], abs=1e-15)
    # relu: var -> 0 at mu = 0 approaches sigma/sqrt(2 pi), and var = 0 is the deterministic 0
    s = 1e-7
    assert mg.expect("phi", 0.0, s * s, "relu") == pytest.approx(s / math.sqrt(2 * math.pi), rel=1e-14)
    assert mg.expect("dphi", 0.0, 0.0, "relu") == 0.0
    # large |mean| with tiny variance: no NaN, exact limits
    assert mg.expect("phi2", -50.0, 1e-30, "relu") == 0.0
    assert mg.expect("Phi", 50.0, 1e-30, "relu") == pytest.approx(1250.0, rel=1e-15)
    assert mg.expect("dphi", 50.0, 1e-30, "tanh") == pytest.approx(4 * math.exp(-100.0), rel=1e-12)


def test_relu_homogeneity():
    rng = np.random.default_rng(3)
    mu = rng.normal(size=20)
    var = rng.uniform(0.01, 5, 20)
    for lam in (0.01, 3.0, 250.0):
        assert_close(mg.expect("phi", lam * mu, lam ** 2 * var, "relu") / lam,
                     mg.expect("phi", mu, var, "relu"), tol=1e-14, what="E[phi(lam h)]")
        for f in ("phi2", "Phi"):
            assert_close(mg.expect(f, lam * mu, lam ** 2 * var, "relu") / lam ** 2,
                         mg.expect(f, mu, var, "relu"), tol=1e-14, what=f)
        for f in ("dphi", "dphi2"):
            assert_close(mg.expect(f, lam * mu, lam ** 2 * var, "relu"),
                         mg.expect(f, mu, var, "relu"), tol=1e-14, what=f)
        m2 = rng.normal(size=20)
        v2 = rng.uniform(0.01, 5, 20)
        c = rng.uniform(-1, 1, 20) * np.sqrt(var * v2)
        for f, p in (("phi", 2), ("dphi", 0), ("Phi", 4)):
            a = mg.expect2(f, lam * mu, lam * m2, lam ** 2 * var, lam ** 2 * v2, lam ** 2 * c, "relu")
            b = mg.expect2(f, mu, m2, var, v2, c, "relu")
            assert_close(a / lam ** p, b, tol=1e-13, what=f"2pt {f}")


# ================================================================== two-point

@pytest.mark.parametrize("phi", CLOSED2)
def test_expect2_closed_forms_against_mpmath_grid(phi):
    arr = np.array([(m1, m2, v1, v2, c_of(v1, v2, r)) for (m1, m2, v1, v2, r) in PTS2])
    for f in F2:
        ref = np.array([REF2[(phi, f, m1, m2, v1, v2, r)] for (m1, m2, v1, v2, r) in PTS2], dtype=float)
        assert_close(mg.expect2(f, *arr.T, phi=phi), ref, what=f"expect2({f!r}, {phi})")
        nb = np.array([G.q2(CODES[phi], FK[f], *row) for row in arr])
        assert_close(nb, ref, what=f"q2({f!r}, {phi})")


def test_expect2_tanh_against_mpmath_table():
    for (f, m1, m2, v1, v2, c), ref in REF2_TANH.items():
        ref = float(ref)
        assert_close(mg.expect2(f, m1, m2, v1, v2, c, "tanh"), ref, what=f"tanh {f} {(m1, m2, v1, v2, c)}")
        assert_close(G.q2(TANH, FK[f], m1, m2, v1, v2, c), ref, what=f"q2 tanh {f}")


def test_zero_mean_arc_cosine_kernels():
    """physics.md section 2: q_dphi = 1/4 + arcsin(rho)/2pi,
    q_phi = s1 s2 [sqrt(1-rho^2) + (pi - arccos rho) rho] / 2pi (ReLU); erf: (2/pi) arcsin(rho')."""
    rhos = np.array([-1.0, -(1 - 1e-10), -0.9, -0.3, 0.0, 0.2, 0.77, 1 - 1e-10, 1 - 1e-14, 1.0])
    v1, v2 = 4.0, 0.25                 # s1 s2 = 1 exactly, so c = rho exactly
    c = rhos * 1.0
    z = np.zeros_like(rhos)
    qd = 0.25 + np.arcsin(rhos) / (2 * np.pi)
    qp = (np.sqrt((1 - rhos) * (1 + rhos)) + (np.pi - np.arccos(rhos)) * rhos) / (2 * np.pi)
    assert_close(mg.expect2("dphi", z, z, v1, v2, c, "relu"), qd, tol=1e-15, what="q_dphi")
    assert_close(mg.expect2("phi", z, z, v1, v2, c, "relu"), qp, tol=1e-15, what="q_phi")
    assert_close([G.relu_q_dphi(0.0, 0.0, v1, v2, x) for x in c], qd, tol=1e-15, what="numba q_dphi")
    assert_close([G.relu_q_phi(0.0, 0.0, v1, v2, x) for x in c], qp, tol=1e-15, what="numba q_phi")
    a2 = math.pi / 4
    for (w1, w2) in ((1.0, 1.0), (0.3, 30.0), (1e4, 1e4)):
        cc = rhos * math.sqrt(w1 * w2)
        ref = 2 / np.pi * np.arcsin(2 * a2 * cc / np.sqrt((1 + 2 * a2 * w1) * (1 + 2 * a2 * w2)))
        assert_close(mg.expect2("phi", z, z, w1, w2, cc, "erf"), ref, tol=1e-14, what="erf arcsin")


def test_tanh_two_point_consistency():
    """No mpmath: c = 0 factorises, rho = 1 with equal laws gives E[f^2], v1 = 0 factorises,
    and swapping h1 <-> h2 changes nothing."""
    mus = [(0.0, 0.0), (0.4, -1.3), (5.0, 2.0)]
    for (m1, m2) in mus:
        for (v1, v2) in ((1.0, 2.0), (0.05, 30.0), (1e4, 0.3)):
            for f in F2:
                prod = mg.expect(f, m1, v1, "tanh") * mg.expect(f, m2, v2, "tanh")
                assert_close(mg.expect2(f, m1, m2, v1, v2, 0.0, "tanh"), prod, tol=1e-13, what="c=0")
                c = 0.37 * math.sqrt(v1 * v2)
                assert_close(mg.expect2(f, m1, m2, v1, v2, c, "tanh"),
                             mg.expect2(f, m2, m1, v2, v1, c, "tanh"), tol=1e-13, what="swap")
                assert_close(mg.expect2(f, m1, m2, 0.0, v2, 0.0, "tanh"),
                             G.q1(TANH, FK[f], m1, 0.0) * mg.expect(f, m2, v2, "tanh"),
                             tol=1e-14, what="v1=0")
        for v in (0.3, 2.0, 1e4):
            assert_close(mg.expect2("phi", m1, m1, v, v, v, "tanh"), mg.expect("phi2", m1, v, "tanh"),
                         tol=1e-13, what="rho=1 phi")
            assert_close(mg.expect2("dphi", m1, m1, v, v, v, "tanh"), mg.expect("dphi2", m1, v, "tanh"),
                         tol=1e-13, what="rho=1 dphi")


def test_two_point_limits_rho_pm1_and_var0():
    # rho = 1, v1 = v2: E[f(h)^2]; relu and erf closed forms against their one-point forms
    for phi in ("relu", "erf"):
        for (m, v) in ((0.0, 1.0), (-1.2, 0.4), (3.0, 1e4)):
            assert_close(mg.expect2("phi", m, m, v, v, v, phi), mg.expect("phi2", m, v, phi),
                         tol=1e-14, what=f"{phi} rho=1")
            assert_close(mg.expect2("dphi", m, m, v, v, v, phi), mg.expect("dphi2", m, v, phi),
                         tol=1e-14, what=f"{phi} rho=1 dphi")
    # relu dphi at rho = +-1 is the exact bivariate CDF
    for (m1, m2, v1, v2) in ((0.3, -0.2, 1.0, 4.0), (1.0, 1.0, 2.0, 2.0), (-0.5, 2.0, 0.5, 3.0)):
        x1, x2 = m1 / math.sqrt(v1), m2 / math.sqrt(v2)
        s = math.sqrt(v1 * v2)
        # (the reference ndtr(x1) - ndtr(-x2) itself carries ~1e-16 rounding)
        assert mg.expect2("dphi", m1, m2, v1, v2, s, "relu") == pytest.approx(ndtr(min(x1, x2)), abs=1e-15)
        assert mg.expect2("dphi", m1, m2, v1, v2, -s, "relu") == pytest.approx(
            max(0.0, ndtr(x1) - ndtr(-x2)), abs=1e-15)
    # var -> 0 continuity of the closed forms (mu != 0)
    for phi in ("relu", "erf", "tanh"):
        for f in F2:
            a = mg.expect2(f, 0.8, -0.6, 1e-26, 2.0, 1e-13, phi)
            b = mg.expect2(f, 0.8, -0.6, 0.0, 2.0, 0.0, phi)
            assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (phi, f, a, b)


# ================================================================== bivariate normal CDF

def _bvn_mp(x1, x2, rho):
    with mp.workdps(25):
        x1, x2, rho = mp.mpf(x1), mp.mpf(x2), mp.mpf(rho)
        if rho == 1:
            return mp.ncdf(min(x1, x2))
        if rho == -1:
            return max(mp.mpf(0), mp.ncdf(x1) - mp.ncdf(-x2))
        r = mp.sqrt((1 - rho) * (1 + rho))
        pts = [mp.ninf]
        if rho != 0 and x2 / rho < x1:
            zs = x2 / rho
            pts += [p for p in (zs - 10 * r, zs - r, zs, zs + r) if p < x1]
        return mp.quad(lambda z: mp.npdf(z) * mp.ncdf((x2 - rho * z) / r), pts + [x1])


BVN_XY = ((0.0, 0.0), (0.3, 0.3), (-3.0, 1.0), (2.5, -0.2), (-8.0, -1.0), (6.0, 6.0), (-1.0, -1.0))
BVN_PTS = [(x1, x2, r) for x1, x2 in BVN_XY
           for r in (-1.0, -(1 - 1e-10), -0.5, 0.0, 0.8, 1 - 1e-10, 1 - 1e-14, 1.0)]


def test_bivariate_normal_cdf_against_mpmath():
    ref = np.array([float(_bvn_mp(*p)) for p in BVN_PTS])
    a = np.array(BVN_PTS)
    val = mg.bivariate_normal_cdf(a[:, 0], a[:, 1], a[:, 2])
    assert np.max(np.abs(val - ref)) <= 1e-14
    nb = np.array([G.bvn_cdf(*p) for p in BVN_PTS])
    assert np.max(np.abs(nb - ref)) <= 1e-14
    assert np.max(np.abs(nb - val)) <= 1e-15


def test_bivariate_normal_cdf_exact_at_rho_pm1_and_diagonal_form():
    x = np.linspace(-6, 6, 25)
    X1, X2 = np.meshgrid(x, x)
    assert np.array_equal(mg.bivariate_normal_cdf(X1, X2, 1.0), ndtr(np.minimum(X1, X2)))
    assert np.max(np.abs(mg.bivariate_normal_cdf(X1, X2, -1.0)
                         - np.maximum(0.0, ndtr(X1) - ndtr(-X2)))) <= 2e-16
    for rho in (-0.99, -0.2, 0.5, 1 - 1e-12):
        diag = ndtr(x) - 2 * owens_t(x, math.sqrt((1 - rho) / (1 + rho)))
        assert np.max(np.abs(mg.bivariate_normal_cdf(x, x, rho) - diag)) <= 1e-15
    assert mg.bivariate_normal_cdf(np.inf, 0.3, 0.5) == pytest.approx(ndtr(0.3), abs=1e-16)
    assert mg.bivariate_normal_cdf(-np.inf, 0.3, 0.5) == 0.0


def test_numba_owens_t_matches_scipy():
    rng = np.random.default_rng(7)
    hs = np.concatenate([[0.0, 1e-9, 0.5, 3.0, 8.0, 20.0, 40.0], rng.uniform(0, 12, 60)])
    As = np.concatenate([[1e-12, 0.3, 1.0, 1.0000001, 7.0, 1e6, np.inf], 10 ** rng.uniform(-5, 5, 60)])
    for h in hs:
        for a in As:
            for s in (1.0, -1.0):
                assert abs(G.owens_t(h, s * a) - owens_t(h, s * a)) <= 2e-16


# ================================================================== Numba == numpy

def _grid2(n=120, seed=11):
    rng = np.random.default_rng(seed)
    rows = [(m1, m2, v1, v2, c_of(v1, v2, r)) for (m1, m2, v1, v2, r) in PTS2]
    mu1 = rng.normal(size=n) * 2
    mu2 = rng.normal(size=n) * 2
    v1 = 10 ** rng.uniform(-2, 2, n)
    v2 = 10 ** rng.uniform(-2, 2, n)
    r = rng.uniform(-1, 1, n)
    rows += list(zip(mu1, mu2, v1, v2, r * np.sqrt(v1 * v2)))
    return np.array(rows)


@pytest.mark.parametrize("phi", ["tanh", "relu", "erf", "linear"])
def test_numba_kernels_equal_numpy(phi):
    a = _grid2(40 if phi == "tanh" else 300)
    code = CODES[phi]
    for f in F2:
        npv = mg.expect2(f, *a.T, phi=phi)
        out = np.empty(len(a))
        G.q2_array(code, FK[f], *(np.ascontiguousarray(col) for col in a.T), out)
        assert_close(out, npv, tol=1e-13, what=f"q2 {phi} {f}")
    for f in F1:
        nb = np.array([G.q1(code, FK[f], m, v) for m, v in zip(a[:, 0], a[:, 2])])
        assert_close(nb, mg.expect(f, a[:, 0], a[:, 2], phi), tol=1e-13, what=f"q1 {phi} {f}")
    if phi == "relu":
        for fn, f in ((G.relu_q_phi, "phi"), (G.relu_q_dphi, "dphi"), (G.relu_q_Phi, "Phi")):
            assert_close([fn(*row) for row in a], mg.expect2(f, *a.T, phi="relu"), tol=1e-13, what=f)
    if phi == "erf":
        for fn, f in ((G.erf_q_phi, "phi"), (G.erf_q_dphi, "dphi"), (G.erf_q_Phi, "Phi")):
            assert_close([fn(*row) for row in a], mg.expect2(f, *a.T, phi="erf"), tol=1e-13, what=f)


def test_numba_bvn_equals_numpy():
    rng = np.random.default_rng(5)
    x1 = np.concatenate([rng.normal(size=400) * 3, [0.0, 0.0, 5.0, -5.0]])
    x2 = np.concatenate([rng.normal(size=400) * 3, [0.0, 1.0, 5.0, 5.0]])
    r = np.concatenate([rng.uniform(-1, 1, 400), [1 - 1e-15, -1.0, 1.0, -(1 - 1e-10)]])
    nb = np.array([G.bvn_cdf(*p) for p in zip(x1, x2, r)])
    assert np.max(np.abs(nb - mg.bivariate_normal_cdf(x1, x2, r))) <= 1e-15


def test_quadrature_engine_against_closed_forms():
    """The nested quadrature that serves tanh, applied to ReLU (kinks), erf and linear, where
    closed forms (checked against mpmath above) exist: var up to 1e4, |mu| = 50, rho -> +-1."""
    a = _grid2(60, seed=2)
    for phi in ("relu", "erf", "linear"):
        code = CODES[phi]
        for f in F2:
            q = [G.q2_quad(code, FK[f], *row) for row in a]
            assert_close(q, mg.expect2(f, *a.T, phi=phi), what=f"q2_quad {phi} {f}")
        for f in F1:
            q = [G.q1_quad(code, FK[f], m, v) for m, v in PTS1]
            ref = [mg.expect(f, m, v, phi) for m, v in PTS1]
            assert_close(q, ref, what=f"q1_quad {phi} {f}")


def test_relu_fallback_where_closed_form_cancels():
    """rho -> -1 with opposite means leaves a sliver of the positive quadrant: the closed form
    cancels there and the kernels switch to quadrature; mpmath agrees relatively."""
    m1, m2, v1, v2 = 50.0, -50.0, 1e4, 1e4
    c = c_of(v1, v2, -(1 - 1e-10))
    for f in F2:
        ref = float(REF2[("relu", f, m1, m2, v1, v2, -(1 - 1e-10))])
        for val in (mg.expect2(f, m1, m2, v1, v2, c, "relu"), G.q2(RELU, FK[f], m1, m2, v1, v2, c)):
            assert abs(val - ref) <= 1e-11 * abs(ref), (f, val, ref)


# ================================================================== API behaviour

def test_broadcasting_and_scalar_returns():
    v = mg.expect("phi", np.zeros((3, 1)), np.ones(4) * 2.0, "tanh")
    assert v.shape == (3, 4)
    assert isinstance(mg.expect("phi", 0.2, 1.0), float)
    assert isinstance(mg.expect2("dphi", 0.2, 0.1, 1.0, 2.0, 0.3, "relu"), float)
    w = mg.expect2("phi", np.array([0.0, 1.0]), 0.5, 1.0, np.array([[1.0], [2.0]]), 0.2, "erf")
    assert w.shape == (2, 2)
    assert w[1, 0] == pytest.approx(mg.expect2("phi", 0.0, 0.5, 1.0, 2.0, 0.2, "erf"), abs=0)
    b = mg.bivariate_normal_cdf(np.zeros(3), 0.0, np.array([-1.0, 0.0, 1.0]))
    assert_close(b, [0.0, 0.25, 0.5], tol=1e-16)


def test_nonlinearity_object_accepted():
    from meanfield.nonlinearities import resolve
    nl = resolve("erf")
    assert mg.expect("phi", 0.3, 2.0, nl) == mg.expect("phi", 0.3, 2.0, "erf")


@pytest.mark.parametrize("call,name,exc", [
    (lambda: mg.expect("phi", 0.0, -1.0), "var", ValueError),
    (lambda: mg.expect("phi", np.nan, 1.0), "mu", ValueError),
    (lambda: mg.expect("phi", np.inf, 1.0), "mu", ValueError),
    (lambda: mg.expect("phi", "a", 1.0), "mu", TypeError),
    (lambda: mg.expect("phi", 1j, 1.0), "mu", TypeError),
    (lambda: mg.expect("psi", 0.0, 1.0), "f", ValueError),
    (lambda: mg.expect("phi", 0.0, 1.0, "sigmoid"), "phi", ValueError),
    (lambda: mg.expect("Phi", 0.0, 1.0, "tanh", Phi=lambda x: x), "Phi", ValueError),
    (lambda: mg.expect("Phi", 0.0, 1.0, (softsign, dsoftsign)), "Phi", ValueError),
    (lambda: mg.expect2("phi2", 0, 0, 1, 1, 0), "f", ValueError),
    (lambda: mg.expect2("phi", 0, 0, -1, 1, 0), "v1", ValueError),
    (lambda: mg.expect2("phi", 0, 0, 1, -2, 0), "v2", ValueError),
    (lambda: mg.expect2("phi", 0, 0, 1, 4, 2.0 * (1 + 1e-9)), "c", ValueError),
    (lambda: mg.expect2("phi", 0, 0, 0, 4, 1e-3, "relu"), "c", ValueError),
    (lambda: mg.expect2("phi", 0, 0, 1, 1, np.nan), "c", ValueError),
    (lambda: mg.expect2("phi", 0, [0, np.inf], 1, 1, 0), "mu2", ValueError),
    (lambda: mg.bivariate_normal_cdf(0.0, 0.0, 1.5), "rho", ValueError),
    (lambda: mg.bivariate_normal_cdf(np.nan, 0.0, 0.5), "x1", ValueError),
    (lambda: mg.expect_mp("phi", 0.0, -1.0, "tanh"), "var", ValueError),
    (lambda: mg.expect_mp("phi", 0.0, 1.0, "tanh", dps=5), "dps", ValueError),
    (lambda: mg.expect2_mp("phi", 0, 0, 1, 1, 1.5, "relu"), "c", ValueError),
    (lambda: mg.expect2_mp("phi", 0, 0, 1, 1, 0.5, "relu", inner="x"), "inner", ValueError),
])
def test_bad_inputs_name_the_parameter(call, name, exc):
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


def test_c_tolerance_allows_rounding_and_clips():
    v1, v2 = 2.0, 3.0
    c = math.sqrt(v1 * v2) * (1 + 5e-13)            # within the 1e-12 relative allowance
    a = mg.expect2("dphi", 0.3, 0.2, v1, v2, c, "relu")
    b = mg.expect2("dphi", 0.3, 0.2, v1, v2, math.sqrt(v1 * v2), "relu")
    assert a == pytest.approx(b, abs=1e-15)


def test_mp_inner_closed_forms_match_mp_quadrature():
    """expect2_mp uses one-point closed forms in mpmath for E[f(h2) | h1]; check them."""
    from meanfield.nonlinearities import resolve
    for phi in ("relu", "erf", "linear"):
        for f in F2:
            for (m, v) in ((0.4, 2.0), (-3.0, 0.5)):
                with mp.workdps(25):
                    inner = mg._mp_inner_closed(resolve(phi), f, mp)
                    a = inner(mp.mpf(m), mp.sqrt(v))
                b = mg.expect_mp(f, m, v, phi, dps=25)
                assert abs(a - b) <= 1e-20 * max(1, abs(b)), (phi, f, m, v)


# ================================================================== reference tables

LIVE1 = [("tanh", "dphi", 15.0, 4.0), ("tanh", "Phi", 0.0, 1e-8), ("tanh", "phi", -1.0, 300.0),
         ("relu", "phi2", -50.0, 1e4), ("erf", "phi2", 0.0, 1e-8), ("erf", "Phi", -7.0, 30.0),
         ("linear", "Phi", 2.5, 4.0), ("softsign", "dphi", -2.5, 4.0)]
LIVE2 = [("relu", "Phi", -2.0, 0.7, 0.3, 4.0, 1 - 1e-10),
         ("relu", "phi", 50.0, -50.0, 1e4, 1e4, -(1 - 1e-10)),
         ("erf", "Phi", 0.0, 0.0, 1e4, 1e4, 1 - 1e-10), ("erf", "phi", 0.7, -2.0, 0.3, 4.0, 0.6),
         ("linear", "Phi", 1.0, -3.0, 2.0, 5.0, -0.999)]


def _mp1(key, dps=30):
    phi, f, mu, v = key
    if phi in USER:
        f_, df_, F_ = USER[phi]
        return mg.expect_mp(f, mu, v, (f_, df_), dps=dps, Phi=F_)
    return mg.expect_mp(f, mu, v, phi, dps=dps)


def _mp2(key, dps=30):
    phi, f, m1, m2, v1, v2, r = key
    return mg.expect2_mp(f, m1, m2, v1, v2, c_of(v1, v2, r), phi, dps=dps)


def _same(a, b, digits):
    with mp.workdps(40):
        b = mp.mpf(b)
        return abs(a - b) <= mp.mpf(10) ** -digits * max(1, abs(b))


def test_reference_tables_are_live():
    for key in LIVE1:
        assert _same(_mp1(key, dps=25), REF1[key], 18), key
    for key in LIVE2:
        assert _same(_mp2(key, dps=25), REF2[key], 18), key


@pytest.mark.slow
def test_reference_tables_recomputed():
    for key, val in REF1.items():
        assert _same(_mp1(key), val, 20), key
    for key, val in REF2.items():
        assert _same(_mp2(key), val, 20), key
    for (f, m1, m2, v1, v2, c), val in list(REF2_TANH.items())[::7]:
        assert _same(mg.expect2_mp(f, m1, m2, v1, v2, c, "tanh", dps=20), val, 14), (f, m1, m2, v1, v2, c)


# Values below: expect_mp / expect2_mp at dps 30 (30 digits), keys as in the grids; tanh two-point
# (c given explicitly) at dps 20, stored to 15 significant digits (ample for the 1e-12 checks).
# BEGIN REFERENCE TABLES
REF1 = {
    ('tanh', 'phi', 0.0, 0.0): '0.0',
    ('tanh', 'phi', 0.7, 0.0): '0.604367777117163468120586885518',
    ('tanh', 'phi', 0.0, 1e-08): '-1.26770838306703361500993047456e-42',
    ('tanh', 'phi', 0.3, 0.5): '0.215013321873744699292771311112',
    ('tanh', 'phi', -2.5, 1.0): '-0.935503199042879108737779026592',
    ('tanh', 'phi', 2.5, 4.0): '0.746158770778120796901656961938',
    ('tanh', 'phi', -7.0, 30.0): '-0.792660735125146708707627839246',
    ('tanh', 'phi', 15.0, 4.0): '0.999999999442554196395136759831',
    ('tanh', 'phi', 50.0, 1.0): '1.0',
    ('tanh', 'phi', -50.0, 1.0): '-1.0',
    ('tanh', 'phi', 50.0, 10000.0): '0.382910445587768636962493574134',
    ('tanh', 'phi', -50.0, 10000.0): '-0.382910445587768636962493574134',
    ('tanh', 'phi', 0.0, 10000.0): '2.26089390459047966115641781212e-38',
    ('tanh', 'phi', -1.0, 300.0): '-0.045977446751748170050796904261',
    ('tanh', 'phi2', 0.0, 0.0): '0.0',
    ('tanh', 'phi2', 0.7, 0.0): '0.365260410017541378561026206133',
    ('tanh', 'phi2', 0.0, 1e-08): '0.00000000999999980000000587589205993227',
    ('tanh', 'phi2', 0.3, 0.5): '0.302264387112450432961900752529',
    ('tanh', 'phi2', -2.5, 1.0): '0.898986379383380361556637775523',
    ('tanh', 'phi2', 2.5, 4.0): '0.810676063898721708797129013113',
    ('tanh', 'phi2', -7.0, 30.0): '0.935101252724644670788645081389',
    ('tanh', 'phi2', 15.0, 4.0): '0.999999998885777002377123678467',
    ('tanh', 'phi2', 50.0, 1.0): '1.0',
    ('tanh', 'phi2', -50.0, 1.0): '1.0',
    ('tanh', 'phi2', 50.0, 10000.0): '0.992958910623284561948725298186',
    ('tanh', 'phi2', -50.0, 10000.0): '0.992958910623284561948725298186',
    ('tanh', 'phi2', 0.0, 10000.0): '0.99202148248051304330402636991',
    ('tanh', 'phi2', -1.0, 300.0): '0.95407347727771311916294239219',
    ('tanh', 'dphi', 0.0, 0.0): '1.0',
    ('tanh', 'dphi', 0.7, 0.0): '0.634739589982458621438973793867',
    ('tanh', 'dphi', 0.0, 1e-08): '0.999999990000000199999994124108',
    ('tanh', 'dphi', 0.3, 0.5): '0.697735612887549567038099247471',
    ('tanh', 'dphi', -2.5, 1.0): '0.101013620616619638443362224477',
    ('tanh', 'dphi', 2.5, 4.0): '0.189323936101278291202870986887',
    ('tanh', 'dphi', -7.0, 30.0): '0.0648987472753553292113549186107',
    ('tanh', 'dphi', 15.0, 4.0): '0.00000000111422299762287632153328891715',
    ('tanh', 'dphi', 50.0, 1.0): '1.09951400673065996010441049606e-42',
    ('tanh', 'dphi', -50.0, 1.0): '1.09951400673065996010441049606e-42',
    ('tanh', 'dphi', 50.0, 10000.0): '0.00704108937671543805127470181376',
    ('tanh', 'dphi', -50.0, 10000.0): '0.00704108937671543805127470181376',
    ('tanh', 'dphi', 0.0, 10000.0): '0.00797851751948695669597363009017',
    ('tanh', 'dphi', -1.0, 300.0): '0.0459265227222868808370576078098',
    ('tanh', 'dphi2', 0.0, 0.0): '1.0',
    ('tanh', 'dphi2', 0.7, 0.0): '0.402894347091099685128586571841',
    ('tanh', 'dphi2', 0.0, 1e-08): '0.999999980000000699999968248217',
    ('tanh', 'dphi2', 0.3, 0.5): '0.559718919465551392144248590426',
    ('tanh', 'dphi2', -2.5, 1.0): '0.0433225074592886623068615854265',
    ('tanh', 'dphi2', 2.5, 4.0): '0.124107328647589649786351647965',
    ('tanh', 'dphi2', -7.0, 30.0): '0.0430585686209226983305929552421',
    ('tanh', 'dphi2', 15.0, 4.0): '2.01942637422437970706495247422e-12',
    ('tanh', 'dphi2', 50.0, 1.0): '6.60054018813240235914662706566e-83',
    ('tanh', 'dphi2', -50.0, 1.0): '6.60054018813240235914662706566e-83',
    ('tanh', 'dphi2', 50.0, 10000.0): '0.0046941475932686184297656962696',
    ('tanh', 'dphi2', -50.0, 10000.0): '0.0046941475932686184297656962696',
    ('tanh', 'dphi2', 0.0, 10000.0): '0.00531914464401462213961906416061',
    ('tanh', 'dphi2', -1.0, 300.0): '0.0306430423187131358732610837761',
    ('tanh', 'Phi', 0.0, 0.0): '0.0',
    ('tanh', 'Phi', 0.7, 0.0): '0.227270229358505590348279675093',
    ('tanh', 'Phi', 0.0, 1e-08): '0.00000000499999997500000043794612935452',
    ('tanh', 'Phi', 0.3, 0.5): '0.241982067504945702469455925402',
    ('tanh', 'Phi', -2.5, 1.0): '1.84466677471449165523338722988',
    ('tanh', 'Phi', 2.5, 4.0): '2.08633118061669591419236601964',
    ('tanh', 'Phi', -7.0, 30.0): '6.85597736055925569103905749213',
    ('tanh', 'Phi', 15.0, 4.0): '14.3068528197188747803226090281',
    ('tanh', 'Phi', 50.0, 1.0): '49.3068528194400546905827678785',
    ('tanh', 'Phi', -50.0, 1.0): '49.3068528194400546905827678785',
    ('tanh', 'Phi', 50.0, 10000.0): '88.8690598584376353257699649484',
    ('tanh', 'Phi', -50.0, 10000.0): '88.8690598584376353257699649484',
    ('tanh', 'Phi', 0.0, 10000.0): '79.0985899740197944518501299519',
    ('tanh', 'Phi', -1.0, 300.0): '13.1685395954674257364619493413',
    ('relu', 'phi', 0.0, 0.0): '0.0',
    ('relu', 'phi', 0.7, 0.0): '0.699999999999999955591079014994',
    ('relu', 'phi', 0.0, 1e-08): '0.0000398942280401432682113393124639',
    ('relu', 'phi', 0.3, 0.5): '0.457109241323609869345007387197',
    ('relu', 'phi', -2.5, 1.0): '0.00200413717912819944471306073127',
    ('relu', 'phi', 2.5, 4.0): '2.60117373661090566576015720468',
    ('relu', 'phi', -7.0, 30.0): '0.261249957761456315149809959712',
    ('relu', 'phi', 15.0, 4.0): '15.0000000000000082303556691675',
    ('relu', 'phi', 50.0, 1.0): '50.0',
    ('relu', 'phi', -50.0, 1.0): '4.16147809057356079244293687296e-589',
    ('relu', 'phi', 50.0, 10000.0): '69.7796557401306029593532746901',
    ('relu', 'phi', -50.0, 10000.0): '19.7796557401306029593532746901',
    ('relu', 'phi', 0.0, 10000.0): '39.8942280401432677939946059934',
    ('relu', 'phi', -1.0, 300.0): '6.42139626312187427559402987173',
    ('relu', 'phi2', 0.0, 0.0): '0.0',
    ('relu', 'phi2', 0.7, 0.0): '0.489999999999999937827510620991',
    ('relu', 'phi2', 0.0, 1e-08): '0.00000000500000000000000010461280415064',
    ('relu', 'phi2', 0.3, 0.5): '0.469289462261864809775974667625',
    ('relu', 'phi2', -2.5, 1.0): '0.00119932237795563655519545274602',
    ('relu', 'phi2', 2.5, 4.0): '10.0803352468598431336453019556',
    ('relu', 'phi2', -7.0, 30.0): '1.18988961003566561015989664564',
    ('relu', 'phi2', 15.0, 4.0): '228.999999999999995819668121077',
    ('relu', 'phi2', 50.0, 1.0): '2501.0',
    ('relu', 'phi2', -50.0, 1.0): '8.84378464746439615820680913845e-589',
    ('relu', 'phi2', 50.0, 10000.0): '10403.6073997466611843447098406',
    ('relu', 'phi2', -50.0, 10000.0): '2096.39260025333881565529015941',
    ('relu', 'phi2', 0.0, 10000.0): '5000.0',
    ('relu', 'phi2', -1.0, 300.0): '136.672557652683914105048519653',
    ('relu', 'dphi', 0.0, 0.0): '0.0',
    ('relu', 'dphi', 0.7, 0.0): '1.0',
    ('relu', 'dphi', 0.0, 1e-08): '0.5',
    ('relu', 'dphi', 0.3, 0.5): '0.664313379729563708094808992659',
    ('relu', 'dphi', -2.5, 1.0): '0.00620966532577613516697810457419',
    ('relu', 'dphi', 2.5, 4.0): '0.894350226333144742311227235974',
    ('relu', 'dphi', -7.0, 30.0): '0.100621310478861993873618878788',
    ('relu', 'dphi', 15.0, 4.0): '0.999999999999968091083270891038',
    ('relu', 'dphi', 50.0, 1.0): '1.0',
    ('relu', 'dphi', -50.0, 1.0): '1.95820009064659767752722228356e-589',
    ('relu', 'dphi', 50.0, 10000.0): '0.691462461274013103637704610608',
    ('relu', 'dphi', -50.0, 10000.0): '0.308537538725986896362295389392',
    ('relu', 'dphi', 0.0, 10000.0): '0.5',
    ('relu', 'dphi', -1.0, 300.0): '0.476979846386019294602141831748',
    ('relu', 'dphi2', 0.0, 0.0): '0.0',
    ('relu', 'dphi2', 0.7, 0.0): '1.0',
    ('relu', 'dphi2', 0.0, 1e-08): '0.5',
    ('relu', 'dphi2', 0.3, 0.5): '0.664313379729563708094808992659',
    ('relu', 'dphi2', -2.5, 1.0): '0.00620966532577613516697810457419',
    ('relu', 'dphi2', 2.5, 4.0): '0.894350226333144742311227235974',
    ('relu', 'dphi2', -7.0, 30.0): '0.100621310478861993873618878788',
    ('relu', 'dphi2', 15.0, 4.0): '0.999999999999968091083270891038',
    ('relu', 'dphi2', 50.0, 1.0): '1.0',
    ('relu', 'dphi2', -50.0, 1.0): '1.95820009064659767752722228356e-589',
    ('relu', 'dphi2', 50.0, 10000.0): '0.691462461274013103637704610608',
    ('relu', 'dphi2', -50.0, 10000.0): '0.308537538725986896362295389392',
    ('relu', 'dphi2', 0.0, 10000.0): '0.5',
    ('relu', 'dphi2', -1.0, 300.0): '0.476979846386019294602141831748',
    ('relu', 'Phi', 0.0, 0.0): '0.0',
    ('relu', 'Phi', 0.7, 0.0): '0.244999999999999968913755310496',
    ('relu', 'Phi', 0.0, 1e-08): '0.00000000250000000000000005230640207532',
    ('relu', 'Phi', 0.3, 0.5): '0.234644731130932404887987333812',
    ('relu', 'Phi', -2.5, 1.0): '0.000599661188977818277597726373011',
    ('relu', 'Phi', 2.5, 4.0): '5.04016762342992156682265097781',
    ('relu', 'Phi', -7.0, 30.0): '0.59494480501783280507994832282',
    ('relu', 'Phi', 15.0, 4.0): '114.499999999999997909834060539',
    ('relu', 'Phi', 50.0, 1.0): '1250.5',
    ('relu', 'Phi', -50.0, 1.0): '4.42189232373219807910340456923e-589',
    ('relu', 'Phi', 50.0, 10000.0): '5201.80369987333059217235492029',
    ('relu', 'Phi', -50.0, 10000.0): '1048.19630012666940782764507971',
    ('relu', 'Phi', 0.0, 10000.0): '2500.0',
    ('relu', 'Phi', -1.0, 300.0): '68.3362788263419570525242598263',
    ('erf', 'phi', 0.0, 0.0): '0.0',
    ('erf', 'phi', 0.7, 0.0): '0.61968709154620058818891079771',
    ('erf', 'phi', 0.0, 1e-08): '3.35383211293956304545956103662e-42',
    ('erf', 'phi', 0.3, 0.5): '0.221591193266739532077373097292',
    ('erf', 'phi', -2.5, 1.0): '-0.949320889567983423706872169292',
    ('erf', 'phi', 2.5, 4.0): '0.754365762233695186455851500312',
    ('erf', 'phi', -7.0, 30.0): '-0.794010769489101871975412075036',
    ('erf', 'phi', 15.0, 4.0): '0.99999999999674182616935006134',
    ('erf', 'phi', 50.0, 1.0): '1.0',
    ('erf', 'phi', -50.0, 1.0): '-1.0',
    ('erf', 'phi', 50.0, 10000.0): '0.382913716451078814238593102936',
    ('erf', 'phi', -50.0, 10000.0): '-0.382913716451078814238593102936',
    ('erf', 'phi', 0.0, 10000.0): '-5.24237644606624191321854589983e-38',
    ('erf', 'phi', -1.0, 300.0): '-0.0459915886369810320611353696285',
    ('erf', 'phi2', 0.0, 0.0): '0.0',
    ('erf', 'phi2', 0.7, 0.0): '0.384012091428989188492885263921',
    ('erf', 'phi2', 0.0, 1e-08): '0.00000000999999984292037040837049865276',
    ('erf', 'phi2', 0.3, 0.5): '0.320719601781525144374774698912',
    ('erf', 'phi2', -2.5, 1.0): '0.924803717151523331074767611372',
    ('erf', 'phi2', 2.5, 4.0): '0.830715255030227760638397352565',
    ('erf', 'phi2', -7.0, 30.0): '0.941728637410056590485704081423',
    ('erf', 'phi2', 15.0, 4.0): '0.999999999993834965105231317345',
    ('erf', 'phi2', 50.0, 1.0): '1.0',
    ('erf', 'phi2', -50.0, 1.0): '1.0',
    ('erf', 'phi2', 50.0, 10000.0): '0.993660722954040824285456377368',
    ('erf', 'phi2', -50.0, 10000.0): '0.993660722954040824285456377368',
    ('erf', 'phi2', 0.0, 10000.0): '0.992816705655024111463984189366',
    ('erf', 'phi2', -1.0, 300.0): '0.958631634377566467614489291596',
    ('erf', 'dphi', 0.0, 0.0): '1.0',
    ('erf', 'dphi', 0.7, 0.0): '0.68055604612786118470944824281',
    ('erf', 'dphi', 0.0, 1e-08): '0.999999992146018458553056788548',
    ('erf', 'dphi', 0.3, 0.5): '0.719346727521055536866876297081',
    ('erf', 'dphi', -2.5, 1.0): '0.0924089727193391736971745306074',
    ('erf', 'dphi', 2.5, 4.0): '0.18885674240445572856698063809',
    ('erf', 'dphi', -7.0, 30.0): '0.0647911706778277834576319558172',
    ('erf', 'dphi', 15.0, 4.0): '1.07496318700570378194430401658e-11',
    ('erf', 'dphi', 50.0, 1.0): '1.97519018843283041692191970005e-347',
    ('erf', 'dphi', -50.0, 1.0): '1.97519018843283041692191970005e-347',
    ('erf', 'dphi', 50.0, 10000.0): '0.00704113844204837464623458314758',
    ('erf', 'dphi', -50.0, 10000.0): '0.00704113844204837464623458314758',
    ('erf', 'dphi', 0.0, 10000.0): '0.00797859164561066452229296021524',
    ('erf', 'dphi', -1.0, 300.0): '0.0459406176957364751094248121777',
    ('erf', 'dphi2', 0.0, 0.0): '1.0',
    ('erf', 'dphi2', 0.7, 0.0): '0.463156531921187520621823992492',
    ('erf', 'dphi2', 0.0, 1e-08): '0.999999984292037102161188830426',
    ('erf', 'dphi2', 0.3, 0.5): '0.590314847150112172694414073196',
    ('erf', 'dphi2', -2.5, 1.0): '0.0459133405889203058939588719575',
    ('erf', 'dphi2', 2.5, 4.0): '0.13166957175963454009925603739',
    ('erf', 'dphi2', -7.0, 30.0): '0.0456690985737922156655810265939',
    ('erf', 'dphi2', 15.0, 4.0): '1.3170115444414069032578393517e-12',
    ('erf', 'dphi2', 50.0, 1.0): '1.64803189321673693926605215358e-556',
    ('erf', 'dphi2', -50.0, 1.0): '1.64803189321673693926605215358e-556',
    ('erf', 'dphi2', 50.0, 10000.0): '0.00497889616859452948052609433464',
    ('erf', 'dphi2', -50.0, 10000.0): '0.00497889616859452948052609433464',
    ('erf', 'dphi2', 0.0, 10000.0): '0.00564180604406010679048693986853',
    ('erf', 'dphi2', -1.0, 300.0): '0.0325020759717136385521793390791',
    ('erf', 'Phi', 0.0, 0.0): '0.63661977236758134307553505349',
    ('erf', 'Phi', 0.7, 0.0): '0.867036399251640559943836302417',
    ('erf', 'Phi', 0.0, 1e-08): '0.636619777367581323440581227379',
    ('erf', 'Phi', 0.3, 0.5): '0.884101071668368562915202560699',
    ('erf', 'Phi', -2.5, 1.0): '2.5245405758166054720185237728',
    ('erf', 'Phi', 2.5, 4.0): '2.76157131156166843313385659372',
    ('erf', 'Phi', -7.0, 30.0): '7.54305784708689444205409838865',
    ('erf', 'Phi', 15.0, 4.0): '15.0000000000009693482146300805',
    ('erf', 'Phi', 50.0, 1.0): '50.0',
    ('erf', 'Phi', -50.0, 1.0): '50.0',
    ('erf', 'Phi', 50.0, 10000.0): '89.5615527709898726368810519855',
    ('erf', 'Phi', -50.0, 10000.0): '89.5615527709898726368810519855',
    ('erf', 'Phi', 0.0, 10000.0): '79.7909957853038877704114975971',
    ('erf', 'Phi', -1.0, 300.0): '13.8574236029378093989991432278',
    ('linear', 'phi', 0.0, 0.0): '0.0',
    ('linear', 'phi', 0.7, 0.0): '0.699999999999999955591079014994',
    ('linear', 'phi', 0.0, 1e-08): '1.49077729817197013544991674862e-43',
    ('linear', 'phi', 0.3, 0.5): '0.299999999999999988897769753748',
    ('linear', 'phi', -2.5, 1.0): '-2.5',
    ('linear', 'phi', 2.5, 4.0): '2.5',
    ('linear', 'phi', -7.0, 30.0): '-7.0',
    ('linear', 'phi', 15.0, 4.0): '15.0',
    ('linear', 'phi', 50.0, 1.0): '50.0',
    ('linear', 'phi', -50.0, 1.0): '-50.0',
    ('linear', 'phi', 50.0, 10000.0): '50.0',
    ('linear', 'phi', -50.0, 10000.0): '-50.0',
    ('linear', 'phi', 0.0, 10000.0): '3.21477733178113402186745638484e-36',
    ('linear', 'phi', -1.0, 300.0): '-1.0',
    ('linear', 'phi2', 0.0, 0.0): '0.0',
    ('linear', 'phi2', 0.7, 0.0): '0.489999999999999937827510620991',
    ('linear', 'phi2', 0.0, 1e-08): '0.0000000100000000000000002092256083013',
    ('linear', 'phi2', 0.3, 0.5): '0.589999999999999993338661852249',
    ('linear', 'phi2', -2.5, 1.0): '7.25',
    ('linear', 'phi2', 2.5, 4.0): '10.25',
    ('linear', 'phi2', -7.0, 30.0): '79.0',
    ('linear', 'phi2', 15.0, 4.0): '229.0',
    ('linear', 'phi2', 50.0, 1.0): '2501.0',
    ('linear', 'phi2', -50.0, 1.0): '2501.0',
    ('linear', 'phi2', 50.0, 10000.0): '12500.0',
    ('linear', 'phi2', -50.0, 10000.0): '12500.0',
    ('linear', 'phi2', 0.0, 10000.0): '10000.0',
    ('linear', 'phi2', -1.0, 300.0): '301.0',
    ('linear', 'dphi', 0.0, 0.0): '1.0',
    ('linear', 'dphi', 0.7, 0.0): '1.0',
    ('linear', 'dphi', 0.0, 1e-08): '1.0',
    ('linear', 'dphi', 0.3, 0.5): '1.0',
    ('linear', 'dphi', -2.5, 1.0): '1.0',
    ('linear', 'dphi', 2.5, 4.0): '1.0',
    ('linear', 'dphi', -7.0, 30.0): '1.0',
    ('linear', 'dphi', 15.0, 4.0): '1.0',
    ('linear', 'dphi', 50.0, 1.0): '1.0',
    ('linear', 'dphi', -50.0, 1.0): '1.0',
    ('linear', 'dphi', 50.0, 10000.0): '1.0',
    ('linear', 'dphi', -50.0, 10000.0): '1.0',
    ('linear', 'dphi', 0.0, 10000.0): '1.0',
    ('linear', 'dphi', -1.0, 300.0): '1.0',
    ('linear', 'dphi2', 0.0, 0.0): '1.0',
    ('linear', 'dphi2', 0.7, 0.0): '1.0',
    ('linear', 'dphi2', 0.0, 1e-08): '1.0',
    ('linear', 'dphi2', 0.3, 0.5): '1.0',
    ('linear', 'dphi2', -2.5, 1.0): '1.0',
    ('linear', 'dphi2', 2.5, 4.0): '1.0',
    ('linear', 'dphi2', -7.0, 30.0): '1.0',
    ('linear', 'dphi2', 15.0, 4.0): '1.0',
    ('linear', 'dphi2', 50.0, 1.0): '1.0',
    ('linear', 'dphi2', -50.0, 1.0): '1.0',
    ('linear', 'dphi2', 50.0, 10000.0): '1.0',
    ('linear', 'dphi2', -50.0, 10000.0): '1.0',
    ('linear', 'dphi2', 0.0, 10000.0): '1.0',
    ('linear', 'dphi2', -1.0, 300.0): '1.0',
    ('linear', 'Phi', 0.0, 0.0): '0.0',
    ('linear', 'Phi', 0.7, 0.0): '0.244999999999999968913755310496',
    ('linear', 'Phi', 0.0, 1e-08): '0.00000000500000000000000010461280415064',
    ('linear', 'Phi', 0.3, 0.5): '0.294999999999999996669330926125',
    ('linear', 'Phi', -2.5, 1.0): '3.625',
    ('linear', 'Phi', 2.5, 4.0): '5.125',
    ('linear', 'Phi', -7.0, 30.0): '39.5',
    ('linear', 'Phi', 15.0, 4.0): '114.5',
    ('linear', 'Phi', 50.0, 1.0): '1250.5',
    ('linear', 'Phi', -50.0, 1.0): '1250.5',
    ('linear', 'Phi', 50.0, 10000.0): '6250.0',
    ('linear', 'Phi', -50.0, 10000.0): '6250.0',
    ('linear', 'Phi', 0.0, 10000.0): '5000.0',
    ('linear', 'Phi', -1.0, 300.0): '150.5',
    ('softsign', 'phi', 0.0, 1.0): '3.56094930119297118947205373028e-39',
    ('softsign', 'phi', 0.3, 0.5): '0.146108694050214635455586492969',
    ('softsign', 'phi', -2.5, 4.0): '-0.565907459614988137931614218293',
    ('softsign', 'phi', 50.0, 10000.0): '0.378487571287368464321486205513',
    ('softsign', 'phi', -1.0, 300.0): '-0.0431670379385685172822967072403',
    ('softsign', 'phi', 0.7, 0.0): '0.411764705882352921584299565438',
    ('softsign', 'phi2', 0.0, 1.0): '0.183014021266547497798719105852',
    ('softsign', 'phi2', 0.3, 0.5): '0.140771748864310720610396840341',
    ('softsign', 'phi2', -2.5, 4.0): '0.463412047890088852893490626562',
    ('softsign', 'phi2', 50.0, 10000.0): '0.939310400504997107586295638395',
    ('softsign', 'phi2', -1.0, 300.0): '0.769208373129198639830682900638',
    ('softsign', 'phi2', 0.7, 0.0): '0.169550173010380606702641164617',
    ('softsign', 'dphi', 0.0, 1.0): '0.412755100339183209166752273018',
    ('softsign', 'dphi', 0.3, 0.5): '0.473298153604556873007429676476',
    ('softsign', 'dphi', -2.5, 4.0): '0.158820800068370444567594678083',
    ('softsign', 'dphi', 50.0, 10000.0): '0.00696687611536979686710308996093',
    ('softsign', 'dphi', -1.0, 300.0): '0.0431219409073141256401059594534',
    ('softsign', 'dphi', 0.7, 0.0): '0.346020761245674768336044735406',
    ('softsign', 'dphi2', 0.0, 1.0): '0.227671340422182496367080352234',
    ('softsign', 'dphi2', 0.3, 0.5): '0.278242294295708669084822860879',
    ('softsign', 'dphi2', -2.5, 4.0): '0.0617787131874577740644552857136',
    ('softsign', 'dphi2', 50.0, 10000.0): '0.00234701594031808373868468580531',
    ('softsign', 'dphi2', -1.0, 300.0): '0.0153072628855142752581236612628',
    ('softsign', 'dphi2', 0.7, 0.0): '0.119730367213036261656629897948',
    ('softsign', 'Phi', 0.0, 1.0): '0.263062265084969988661955331346',
    ('softsign', 'Phi', 0.3, 0.5): '0.173007319049482188322654649381',
    ('softsign', 'Phi', -2.5, 4.0): '1.51149744074452384203793126315',
    ('softsign', 'Phi', 50.0, 10000.0): '85.4285300261484070046428846142',
    ('softsign', 'Phi', -1.0, 300.0): '11.4429642990156778285882466198',
    ('softsign', 'Phi', 0.7, 0.0): '0.169371748937829580405889373651',
}
REF2 = {
    ('relu', 'phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.304498890522114679044498291245',
    ('relu', 'phi', 0.0, 0.0, 1.0, 1.0, -0.7): '0.0250452046266358456482008579158',
    ('relu', 'phi', 0.7, -2.0, 0.3, 4.0, 0.6): '0.22096819381190623374330984324',
    ('relu', 'phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '0.000154954727044008048795349405',
    ('relu', 'phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '3.71902043641296992574456676632e-11834286472',
    ('relu', 'phi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.34805191154435401313646469379',
    ('relu', 'phi', 0.7, -0.7, 1.0, 1.0, -1.0): '0.0',
    ('relu', 'phi', 3.0, 1.0, 0.0, 2.5, 0.0): '3.75869075710352783321597553622',
    ('relu', 'phi', 3.0, 1.0, 2.5, 0.0, 0.0): '3.01759839349601917717018053471',
    ('relu', 'phi', 3.0, -1.0, 0.0, 0.0, 0.0): '0.0',
    ('relu', 'phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '1.32421127303567666612033177458e-12',
    ('relu', 'phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '4999.99999950000133126007763954',
    ('relu', 'phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '34.128719416193215717135033167',
    ('relu', 'phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '3491.05717439035218727857684834',
    ('relu', 'phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.152108938938643678295204551068',
    ('relu', 'phi', -50.0, 50.0, 1.0, 1.0, 0.2): '2.51457442363906529186487703924e-587',
    ('relu', 'phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.0416144295962208011258619974302',
    ('relu', 'phi', 1.0, -3.0, 2.0, 5.0, -0.999): '1.20599519613032292970297463031e-53',
    ('relu', 'phi', -2.0, -1.5, 0.73, 0.053, 0.51): '1.2226608399091816529991495703e-12',
    ('relu', 'phi', -3.85, -1.97, 1.0, 1.0, 0.39): '0.00000331872975925060471591656717683',
    ('relu', 'phi', -2.55, -3.35, 1.0, 1.0, 0.45): '0.00000945183968751692818964093033372',
    ('relu', 'phi', -7.42, 7.99, 1.0, 1.0, -0.73): '1.82036495275120936594495982005e-14',
    ('relu', 'dphi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.333333333333333333333333333333',
    ('relu', 'dphi', 0.0, 0.0, 1.0, 1.0, -0.7): '0.126591655553317499544970247351',
    ('relu', 'dphi', 0.7, -2.0, 0.3, 4.0, 0.6): '0.157985869813478175737212769895',
    ('relu', 'dphi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '0.00013036481642765832165593040398',
    ('relu', 'dphi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '5.86692881874935509694619760607e-11834286451',
    ('relu', 'dphi', 0.7, 0.7, 1.0, 1.0, 1.0): '0.758036347776926971383789317686',
    ('relu', 'dphi', 0.7, -0.7, 1.0, 1.0, -1.0): '0.0',
    ('relu', 'dphi', 3.0, 1.0, 0.0, 2.5, 0.0): '0.736455371567230957433758731568',
    ('relu', 'dphi', 3.0, 1.0, 2.5, 0.0, 0.0): '0.971110214438201378158742358294',
    ('relu', 'dphi', 3.0, -1.0, 0.0, 0.0, 0.0): '0.0',
    ('relu', 'dphi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '0.00000198631623711941205764573082398',
    ('relu', 'dphi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '0.499997749208828601929702563497',
    ('relu', 'dphi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '0.0253763314180301094290389976294',
    ('relu', 'dphi', 50.0, 50.0, 10000.0, 0.01, 0.3): '0.691462461274013103637704610608',
    ('relu', 'dphi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.579259709439103027383883977586',
    ('relu', 'dphi', -50.0, 50.0, 1.0, 1.0, 0.2): '1.95820009064659767752722228356e-589',
    ('relu', 'dphi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.691460474957685466520418606584',
    ('relu', 'dphi', 1.0, -3.0, 2.0, 5.0, -0.999): '3.97069826146726281976237616794e-49',
    ('relu', 'dphi', -2.0, -1.5, 0.73, 0.053, 0.51): '3.22080415645786339977157294154e-11',
    ('relu', 'dphi', -3.85, -1.97, 1.0, 1.0, 0.39): '0.0000201638957612008784529901223604',
    ('relu', 'dphi', -2.55, -3.35, 1.0, 1.0, 0.45): '0.0000613662723031490595103387092748',
    ('relu', 'dphi', -7.42, 7.99, 1.0, 1.0, -0.73): '5.8550104033528691182055537244e-14',
    ('relu', 'Phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.176687083945793004641686859217',
    ('relu', 'Phi', 0.0, 0.0, 1.0, 1.0, -0.7): '0.00299170365406416502848073120962',
    ('relu', 'Phi', 0.7, -2.0, 0.3, 4.0, 0.6): '0.170449950777708461652109502349',
    ('relu', 'Phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '0.0000964679726172568915780219130462',
    ('relu', 'Phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '1.18034431749724453986924711498e-11834286493',
    ('relu', 'Phi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.47118307470616237638496734517',
    ('relu', 'Phi', 0.7, -0.7, 1.0, 1.0, -1.0): '0.0',
    ('relu', 'Phi', 3.0, 1.0, 0.0, 2.5, 0.0): '6.96157953289332001047687451724',
    ('relu', 'Phi', 3.0, 1.0, 2.5, 0.0, 0.0): '2.87014267914589024422684937497',
    ('relu', 'Phi', 3.0, -1.0, 0.0, 0.0, 0.0): '0.0',
    ('relu', 'Phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '5.29684688530848848171550849614e-19',
    ('relu', 'Phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '37499999.9949999983075712202054',
    ('relu', 'Phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '32406.5194935960459501051243393',
    ('relu', 'Phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '6512750.69380225793037181529448',
    ('relu', 'Phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.0153250172319005697701278332168',
    ('relu', 'Phi', -50.0, 50.0, 1.0, 1.0, 0.2): '8.07469456341607177868819758083e-586',
    ('relu', 'Phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.00163158758476113071294130818484',
    ('relu', 'Phi', 1.0, -3.0, 2.0, 5.0, -0.999): '3.59463495703241749796270929695e-58',
    ('relu', 'Phi', -2.0, -1.5, 0.73, 0.053, 0.51): '3.2150922040880010351430951354e-14',
    ('relu', 'Phi', -3.85, -1.97, 1.0, 1.0, 0.39): '0.000000449256000475462628397875919144',
    ('relu', 'Phi', -2.55, -3.35, 1.0, 1.0, 0.45): '0.00000124934226453615909836727412578',
    ('relu', 'Phi', -7.42, 7.99, 1.0, 1.0, -0.73): '2.82024384985601480594223764513e-15',
    ('erf', 'phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.197652367449258952024874226452',
    ('erf', 'phi', 0.0, 0.0, 1.0, 1.0, -0.7): '-0.281359678887131013959831674884',
    ('erf', 'phi', 0.7, -2.0, 0.3, 4.0, 0.6): '-0.253844803199375501560772018716',
    ('erf', 'phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '-0.218593637478061477017018287448',
    ('erf', 'phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '-0.283116222698064458513386737325',
    ('erf', 'phi', 0.7, 0.7, 1.0, 1.0, 1.0): '0.504954882861061284390225056006',
    ('erf', 'phi', 0.7, -0.7, 1.0, 1.0, -1.0): '-0.504954882861061284390225056006',
    ('erf', 'phi', 3.0, 1.0, 0.0, 2.5, 0.0): '0.427606381443425663144154672614',
    ('erf', 'phi', 3.0, 1.0, 2.5, 0.0, 0.0): '0.718593752754350945318978552292',
    ('erf', 'phi', 3.0, -1.0, 0.0, 0.0, 0.0): '-0.789774347635254685514551086914',
    ('erf', 'phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '-0.99366071797514492531761436104',
    ('erf', 'phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '0.992816700013218372912096067773',
    ('erf', 'phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '-0.132643859826306387415872990424',
    ('erf', 'phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '0.382913716451078814238593102936',
    ('erf', 'phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.0364496585602754491127471470604',
    ('erf', 'phi', -50.0, 50.0, 1.0, 1.0, 0.2): '-1.0',
    ('erf', 'phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.0464830429583430931642682660046',
    ('erf', 'phi', 1.0, -3.0, 2.0, 5.0, -0.999): '-0.624079746181402283664502829834',
    ('erf', 'phi', -2.0, -1.5, 0.73, 0.053, 0.51): '0.851665080830749953907132605455',
    ('erf', 'phi', -3.85, -1.97, 1.0, 1.0, 0.39): '0.874943162058716728718992584372',
    ('erf', 'phi', -2.55, -3.35, 1.0, 1.0, 0.45): '0.946868002216621023993884501234',
    ('erf', 'phi', -7.42, 7.99, 1.0, 1.0, -0.73): '-0.999999992947782450860398035825',
    ('erf', 'dphi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.408515837520469895273559499307',
    ('erf', 'dphi', 0.0, 0.0, 1.0, 1.0, -0.7): '0.430332789263663509004588048358',
    ('erf', 'dphi', 0.7, -2.0, 0.3, 4.0, 0.6): '0.117865343111623728057006969893',
    ('erf', 'dphi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '0.0107181924205416143726002345455',
    ('erf', 'dphi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '0.028443449358948659139031445783',
    ('erf', 'dphi', 0.7, 0.7, 1.0, 1.0, 1.0): '0.408042387239679328566867636218',
    ('erf', 'dphi', 0.7, -0.7, 1.0, 1.0, -1.0): '0.408042387239679328566867636218',
    ('erf', 'dphi', 3.0, 1.0, 0.0, 2.5, 0.0): '0.000327063913491643997920117153289',
    ('erf', 'dphi', 3.0, 1.0, 2.5, 0.0, 0.0): '0.0489269055638046891605379687088',
    ('erf', 'dphi', 3.0, -1.0, 0.0, 0.0, 0.0): '0.000388203203926766247232529898702',
    ('erf', 'dphi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '0.00497889225827525823192095465737',
    ('erf', 'dphi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '0.00564180161314076228715337000617',
    ('erf', 'dphi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '0.0000425947507099482748679678160423',
    ('erf', 'dphi', 50.0, 50.0, 10000.0, 0.01, 0.3): '4.27724997501022488338045048173e-843',
    ('erf', 'dphi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.574066537343706090279535613938',
    ('erf', 'dphi', -50.0, 50.0, 1.0, 1.0, 0.2): '9.09376316697370704020412347494e-760',
    ('erf', 'dphi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.929469939526562879871213338815',
    ('erf', 'dphi', 1.0, -3.0, 2.0, 5.0, -0.999): '0.0991897434062552724717372496782',
    ('erf', 'dphi', -2.0, -1.5, 0.73, 0.053, 0.51): '0.0398749535121095025790517028251',
    ('erf', 'dphi', -3.85, -1.97, 1.0, 1.0, 0.39): '0.00302084886151139711459993713071',
    ('erf', 'dphi', -2.55, -3.35, 1.0, 1.0, 0.45): '0.00545966711569592427440029463885',
    ('erf', 'dphi', -7.42, 7.99, 1.0, 1.0, -0.73): '5.06815377723132426328817166995e-12',
    ('erf', 'Phi', 0.0, 0.0, 1.0, 1.0, 0.5): '1.09091681362350847474797113799',
    ('erf', 'Phi', 0.0, 0.0, 1.0, 1.0, -0.7): '1.13874553270535210681710693016',
    ('erf', 'Phi', 0.7, -2.0, 0.3, 4.0, 0.6): '2.13275587649059488063178867287',
    ('erf', 'Phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '3.38941764818315430328433016188',
    ('erf', 'Phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '3.93071477256016296534975501216',
    ('erf', 'Phi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.69808832532497113885862088227',
    ('erf', 'Phi', 0.7, -0.7, 1.0, 1.0, -1.0): '1.69808832532497113885862088227',
    ('erf', 'Phi', 3.0, 1.0, 0.0, 2.5, 0.0): '4.89770898120956281900789906663',
    ('erf', 'Phi', 3.0, 1.0, 2.5, 0.0, 0.0): '3.31151882643229103322547548159',
    ('erf', 'Phi', 3.0, -1.0, 0.0, 0.0, 0.0): '3.24053823026893573610153539229',
    ('erf', 'Phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '12500.0026894747970430836779685',
    ('erf', 'Phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '10000.0030476855209300088802538',
    ('erf', 'Phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '7997.76531951975660279032088764',
    ('erf', 'Phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '4479.22637969884686828676837859',
    ('erf', 'Phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.703702210720386425428873212277',
    ('erf', 'Phi', -50.0, 50.0, 1.0, 1.0, 0.2): '2499.79999999999999998889776975',
    ('erf', 'Phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.438247953245627511406207686202',
    ('erf', 'Phi', 1.0, -3.0, 2.0, 5.0, -0.999): '6.49016021230203143832972072007',
    ('erf', 'Phi', -2.0, -1.5, 0.73, 0.053, 0.51): '3.19536266282759179197337519269',
    ('erf', 'Phi', -3.85, -1.97, 1.0, 1.0, 0.39): '8.19090177541515571150782084753',
    ('erf', 'Phi', -2.55, -3.35, 1.0, 1.0, 0.45): '9.05136336765875854644260962748',
    ('erf', 'Phi', -7.42, 7.99, 1.0, 1.0, -0.73): '60.0158000065397654712812101819',
    ('linear', 'phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.5',
    ('linear', 'phi', 0.0, 0.0, 1.0, 1.0, -0.7): '-0.699999999999999955591079014994',
    ('linear', 'phi', 0.7, -2.0, 0.3, 4.0, 0.6): '-0.742732930993800666286119849246',
    ('linear', 'phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '-0.304554885099212357957298991096',
    ('linear', 'phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '-2.49544511490078746440701706888',
    ('linear', 'phi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.48999999999999993782751062099',
    ('linear', 'phi', 0.7, -0.7, 1.0, 1.0, -1.0): '-1.48999999999999993782751062099',
    ('linear', 'phi', 3.0, 1.0, 0.0, 2.5, 0.0): '3.0',
    ('linear', 'phi', 3.0, 1.0, 2.5, 0.0, 0.0): '3.0',
    ('linear', 'phi', 3.0, -1.0, 0.0, 0.0, 0.0): '-3.0',
    ('linear', 'phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '-12499.9999989999996614642441273',
    ('linear', 'phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '9999.99999899999966146424412728',
    ('linear', 'phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '-3500.0',
    ('linear', 'phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '2503.0',
    ('linear', 'phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.0600700000000000011040907771376',
    ('linear', 'phi', -50.0, 50.0, 1.0, 1.0, 0.2): '-2499.79999999999999998889776975',
    ('linear', 'phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.0499999999960000002241500283162',
    ('linear', 'phi', 1.0, -3.0, 2.0, 5.0, -0.999): '-6.15911538250821122275624475151',
    ('linear', 'phi', -2.0, -1.5, 0.73, 0.053, 0.51): '3.10031584620587118139578564069',
    ('linear', 'phi', -3.85, -1.97, 1.0, 1.0, 0.39): '7.97450000000000008570921750106',
    ('linear', 'phi', -2.55, -3.35, 1.0, 1.0, 0.45): '8.9924999999999996425081860707',
    ('linear', 'phi', -7.42, 7.99, 1.0, 1.0, -0.73): '-60.0158000000000009961809155357',
    ('linear', 'dphi', 0.0, 0.0, 1.0, 1.0, 0.5): '1.0',
    ('linear', 'dphi', 0.0, 0.0, 1.0, 1.0, -0.7): '1.0',
    ('linear', 'dphi', 0.7, -2.0, 0.3, 4.0, 0.6): '1.0',
    ('linear', 'dphi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '1.0',
    ('linear', 'dphi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '1.0',
    ('linear', 'dphi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.0',
    ('linear', 'dphi', 0.7, -0.7, 1.0, 1.0, -1.0): '1.0',
    ('linear', 'dphi', 3.0, 1.0, 0.0, 2.5, 0.0): '1.0',
    ('linear', 'dphi', 3.0, 1.0, 2.5, 0.0, 0.0): '1.0',
    ('linear', 'dphi', 3.0, -1.0, 0.0, 0.0, 0.0): '1.0',
    ('linear', 'dphi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '1.0',
    ('linear', 'dphi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '1.0',
    ('linear', 'dphi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '1.0',
    ('linear', 'dphi', 50.0, 50.0, 10000.0, 0.01, 0.3): '1.0',
    ('linear', 'dphi', 0.3, 0.2, 1e-08, 1.0, 0.7): '1.0',
    ('linear', 'dphi', -50.0, 50.0, 1.0, 1.0, 0.2): '1.0',
    ('linear', 'dphi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '1.0',
    ('linear', 'dphi', 1.0, -3.0, 2.0, 5.0, -0.999): '1.0',
    ('linear', 'dphi', -2.0, -1.5, 0.73, 0.053, 0.51): '1.0',
    ('linear', 'dphi', -3.85, -1.97, 1.0, 1.0, 0.39): '1.0',
    ('linear', 'dphi', -2.55, -3.35, 1.0, 1.0, 0.45): '1.0',
    ('linear', 'dphi', -7.42, 7.99, 1.0, 1.0, -0.73): '1.0',
    ('linear', 'Phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.375',
    ('linear', 'Phi', 0.0, 0.0, 1.0, 1.0, -0.7): '0.494999999999999968913755310496',
    ('linear', 'Phi', 0.7, -2.0, 0.3, 4.0, 0.6): '0.875826103391320908996001403614',
    ('linear', 'Phi', -2.0, 0.7, 0.3, 4.0, 0.9999999999): '3.8931268390188972658204847993',
    ('linear', 'Phi', -2.0, 0.7, 0.3, 4.0, -0.9999999999): '6.96037316074110222025994790403',
    ('linear', 'Phi', 0.7, 0.7, 1.0, 1.0, 1.0): '1.54502499999999989150900603363',
    ('linear', 'Phi', 0.7, -0.7, 1.0, 1.0, -1.0): '1.54502499999999989150900603363',
    ('linear', 'Phi', 3.0, 1.0, 0.0, 2.5, 0.0): '7.875',
    ('linear', 'Phi', 3.0, 1.0, 2.5, 0.0, 0.0): '2.875',
    ('linear', 'Phi', 3.0, -1.0, 0.0, 0.0, 0.0): '2.25',
    ('linear', 'Phi', 50.0, -50.0, 10000.0, 10000.0, -0.9999999999): '114062499.987499995768803051929',
    ('linear', 'Phi', 0.0, 0.0, 10000.0, 10000.0, 0.9999999999): '74999999.9899999966151424416113',
    ('linear', 'Phi', -50.0, -50.0, 10000.0, 10000.0, -0.6): '42062500.0',
    ('linear', 'Phi', 50.0, 50.0, 10000.0, 0.01, 0.3): '7820035.7500000000000006505213',
    ('linear', 'Phi', 0.3, 0.2, 1e-08, 1.0, 0.7): '0.0234042050499999983676815708071',
    ('linear', 'Phi', -50.0, 50.0, 1.0, 1.0, 0.2): '1563250.26999999999997224664483',
    ('linear', 'Phi', 0.1, 0.1, 0.04, 0.04, 0.9999999999): '0.00182499999980000004868552849601',
    ('linear', 'Phi', 1.0, -3.0, 2.0, 5.0, -0.999): '24.967351147524634521512154809',
    ('linear', 'Phi', -2.0, -1.5, 0.73, 0.053, 0.51): '3.02927667311761353193757930733',
    ('linear', 'Phi', -3.85, -1.97, 1.0, 1.0, 0.39): '22.3410150625000005537089675656',
    ('linear', 'Phi', -2.55, -3.35, 1.0, 1.0, 0.45): '26.8702015624999982818965627018',
    ('linear', 'Phi', -7.42, 7.99, 1.0, 1.0, -0.73): '952.220729410000030318313761768',
}
REF2_TANH = {
    ('phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.186324413203448',
    ('phi', 0.5, -1.0, 4.0, 2.0, -1.697056274847714): '-0.337317990781978',
    ('phi', 0.0, 0.0, 10000.0, 10000.0, 9999.999999): '0.992021477161369',
    ('phi', 3.0, -2.0, 100.0, 1.0, 5.0): '-0.1398142000344',
    ('phi', 50.0, -50.0, 10000.0, 10000.0, -9999.999999): '-0.992958905929137',
    ('phi', 0.0, 0.0, 2.0, 2.0, 2.0): '0.519975745663949',
    ('phi', 1.0, 1.0, 1.0, 1.0, -1.0): '0.141877062791171',
    ('phi', -50.0, 50.0, 10000.0, 0.01, 3.0): '-0.382910445587769',
    ('phi', 0.3, 0.3, 1e-08, 1.0, 7e-05): '0.0525000379623813',
    ('phi', 0.0, 0.0, 10000.0, 1.0, -99.9): '-0.555149517803897',
    ('phi', 7.0, 7.0, 30.0, 30.0, 29.7): '0.923421708974272',
    ('phi', 0.2, -0.1, 0.5, 3.0, 1.1022703842524302): '0.332904986329572',
    ('phi', 15.0, -3.0, 4.0, 0.3, -0.4381780460041329): '-0.99109635990521',
    ('phi', 0.1, 0.1, 0.04, 0.04, 0.039999999996): '0.045697250127837',
    ('dphi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.384747028441039',
    ('dphi', 0.5, -1.0, 4.0, 2.0, -1.697056274847714): '0.164795431097669',
    ('dphi', 0.0, 0.0, 10000.0, 10000.0, 9999.999999): '0.00531914038880992',
    ('dphi', 3.0, -2.0, 100.0, 1.0, 5.0): '0.0104209650654159',
    ('dphi', 50.0, -50.0, 10000.0, 10000.0, -9999.999999): '0.00469414383802505',
    ('dphi', 0.0, 0.0, 2.0, 2.0, 2.0): '0.349508297746603',
    ('dphi', 1.0, 1.0, 1.0, 1.0, -1.0): '0.105256412758634',
    ('dphi', -50.0, 50.0, 10000.0, 0.01, 3.0): '1.03544758107973e-45',
    ('dphi', 0.3, 0.3, 1e-08, 1.0, 7e-05): '0.539543743000718',
    ('dphi', 0.0, 0.0, 10000.0, 1.0, -99.9): '0.00796198239958562',
    ('dphi', 7.0, 7.0, 30.0, 30.0, 29.7): '0.0355913440726046',
    ('dphi', 0.2, -0.1, 0.5, 3.0, 1.1022703842524302): '0.343347836603583',
    ('dphi', 15.0, -3.0, 4.0, 0.3, -0.4381780460041329): '1.00696092614828e-10',
    ('dphi', 0.1, 0.1, 0.04, 0.04, 0.039999999996): '0.914109856955848',
    ('Phi', 0.0, 0.0, 1.0, 1.0, 0.5): '0.186515466272503',
    ('Phi', 0.5, -1.0, 4.0, 2.0, -1.697056274847714): '1.31471182861297',
    ('Phi', 0.0, 0.0, 10000.0, 10000.0, 9999.999999): '9889.87041195317',
    ('Phi', 3.0, -2.0, 100.0, 1.0, 5.0): '9.83825277514176',
    ('Phi', 50.0, -50.0, 10000.0, 10000.0, -9999.999999): '12376.3251012599',
    ('Phi', 0.0, 0.0, 2.0, 2.0, 2.0): '0.899205936237896',
    ('Phi', 1.0, 1.0, 1.0, 1.0, -1.0): '0.225129182398535',
    ('Phi', -50.0, 50.0, 10000.0, 0.01, 3.0): '4380.70492330523',
    ('Phi', 0.3, 0.3, 1e-08, 1.0, 7e-05): '0.0178154484691963',
    ('Phi', 0.0, 0.0, 10000.0, 1.0, -99.9): '55.2827466807419',
    ('Phi', 7.0, 7.0, 30.0, 30.0, 29.7): '68.7755800113436',
    ('Phi', 0.2, -0.1, 0.5, 3.0, 1.1022703842524302): '0.369260236154637',
    ('Phi', 15.0, -3.0, 4.0, 0.3, -0.4381780460041329): '33.5022285568731',
    ('Phi', 0.1, 0.1, 0.04, 0.04, 0.039999999996): '0.00169449175316412',
}
# END REFERENCE TABLES
