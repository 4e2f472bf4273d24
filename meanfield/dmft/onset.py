r"""Stationary DMFT just above the onset of chaos: expansions in :math:`g - g_c`.

Near the transition the orbit :math:`\Delta(\tau)` is long (correlation time
:math:`\propto 1/\kappa \to \infty`) and shallow, and the generic solver of
:mod:`meanfield.dmft.stationary` can no longer resolve it (the orbit integration, the energy
root and the Schrödinger box all scale with :math:`1/\kappa`).  There the answer follows from
an expansion of the Newtonian-particle problem of physics.md §3 around the fixed point; this
module derives it and evaluates it.  :func:`~meanfield.dmft.solve_scs` and
:func:`~meanfield.dmft.solve_balanced` call it below the switch points
:data:`SCS_SWITCH` / :data:`BALANCED_SWITCH` (``diagnostics["method"] = "onset-expansion"``).

SCS network, odd φ (§3.1)
-------------------------
Mehler's expansion at variance :math:`v = \Delta_0` gives the force exactly as a power series,

.. math::

    \Delta'' = \Delta - g^2 q_\phi(\Delta) = A\Delta - B\Delta^3 - C\Delta^5 - \dots,\quad
    A = 1 - g^2\langle\phi'\rangle^2,\ B = \tfrac{g^2}{6}\langle\phi'''\rangle^2,\
    C = \tfrac{g^2}{120}\langle\phi^{(5)}\rangle^2,

(:math:`\langle\cdot\rangle` over :math:`h\sim N(0, v)`) and the Schrödinger potential of §3.3
as :math:`U = 1 - g^2 q_{\phi'}(\Delta) = A - 3B\Delta^2 - 5C\Delta^4 - \dots`.  With
:math:`\epsilon = g\phi'(0) - 1` and (scaling φ to :math:`\phi'(0) = 1`)
:math:`a = -\phi'''(0)/2 > 0` (saturating φ), :math:`v = O(\epsilon)`,
:math:`A = O(\epsilon^2)` and the small parameter :math:`p = Cv^2/B = O(\epsilon^2)`.
At p = 0 the orbit with :math:`\Delta'(0) = 0` at :math:`\Delta_0` and :math:`\Delta_\infty = 0`
is the soliton of the quartic potential, :math:`\Delta = v\,\mathrm{sech}(\kappa\tau)`,
:math:`\kappa^2 = A = Bv^2/2`, and :math:`U = \kappa^2[1 - 6\,\mathrm{sech}^2\kappa\tau]` is the
Pöschl–Teller well with ν = 2: ground state :math:`\mathrm{sech}^2`, :math:`E_0 = -3\kappa^2`,
and the odd state :math:`\Delta'` at E = 0 (the zero mode).  First order in p (with
:math:`t = \kappa\tau`): the orbit is :math:`\Delta = v[\mathrm{sech}\,t - \tfrac p3\,
\mathrm{sech}\,t\tanh^2 t]` (the even solution of :math:`L u_1 = 2u_0^5 - \tfrac43 u_0^3`,
:math:`L = -\partial_t^2 + 1 - 6u_0^2`), the turning point :math:`A = Bv^2/2 + Cv^4/3`, and
:math:`\delta U/\kappa^2 = p(8\,\mathrm{sech}^2 t - 14\,\mathrm{sech}^4 t)` gives
:math:`E_0 = -\kappa^2(3 + \tfrac{16}{5}p)`.  So, to relative :math:`O(\epsilon^4)`,

.. math::

    A(v) = \tfrac12 B(v) v^2 + \tfrac13 C(v) v^4\ \text{(fixes } v = \Delta_0),\quad
    \kappa^2 = \tfrac12 Bv^2 + \tfrac13 Cv^4,\quad
    \lambda_\max = -1 + \sqrt{1 + \kappa^2(3 + \tfrac{16}{5}p)},

which is what :func:`scs_onset` evaluates (Gaussian moments exact, no cancellation in κ).
Expanded in ε (analytic; :math:`d_5 = \phi^{(5)}(0)`):

.. math::

    \Delta_0 = \frac{\epsilon}{a} + \Big(\frac{d_5}{8a^3} - \frac{5}{6a}\Big)\epsilon^2,\quad
    \kappa^2 = \frac{\epsilon^2}{3}\Big(1 + \frac\epsilon3 - \frac{d_5\epsilon}{4a^2}\Big),\quad
    \lambda_\max = \frac{\epsilon^2}{2}\Big(1 + \frac\epsilon3 - \frac{d_5\epsilon}{4a^2}\Big)
    + O(\epsilon^4).

tanh (a = 1, d5 = 16): :math:`\Delta_0 = \epsilon + \tfrac76\epsilon^2`,
:math:`\lambda_\max = \tfrac12\epsilon^2 - \tfrac{11}{6}\epsilon^3`; erf (a = π/4, d5 = 3π²/4):
:math:`\Delta_0 = \tfrac4\pi\epsilon + \tfrac{8}{3\pi}\epsilon^2`,
:math:`\lambda_\max = \tfrac12\epsilon^2 - \tfrac43\epsilon^3`.  The leading
:math:`\lambda_\max = (g-1)^2/2` holds for every odd saturating φ with φ'(0) = 1.
Error: the neglected terms are :math:`O(p^2)` and the :math:`\Delta^7` force term, relative
:math:`O(\epsilon^4)` (not derived: estimated).  Measured against the solver where it is accurate
(ε = 2e-3 ... 5e-2), the relative λ difference over :math:`p^2` is -3.5 ... -4.3 (tanh;
p = 3.2 ε²) and -2.4 ... -2.6 (erf; p = 1.8 ε²); ``lambda_max_error`` reports
:math:`9p^2\lambda` (:data:`SCS_ERROR_COEF`: the largest, 4.3, times 2).  The variance agrees
to ≤ 2.7e-7 relative up to ε = 0.05.

Balanced ReLU network (§3.2), :math:`g_c = \sqrt2`
--------------------------------------------------
In units c0 = 1 and with :math:`s = 1 - c` (the orbit stays near correlation 1, where the ReLU
kernel is not analytic), Owen's-T expansion of :math:`q_{\phi'} = \Phi_2(x, x; 1-s)` gives

.. math::

    c'' = c - g^2 q_\phi(c)\ \Rightarrow\ s'' = G(s) = \alpha + \beta s + \gamma s^{3/2}
    + O(s^{5/2}),\quad
    \alpha = g^2F_2(x) - 1,\ \beta = 1 - g^2\Phi(x),\ \gamma = \tfrac{2g^2\phi(x)}{3\sqrt\pi},

(:math:`\phi` the normal density here).  The saddle :math:`G(w) = 0` at :math:`w = 1 - c_\infty/c_0`
and the energy condition :math:`\int_0^w G\,ds = 0` give :math:`\sqrt w = -5\beta/(6\gamma)` and
:math:`\alpha = \gamma w^{3/2}/5`, one equation for the mean x.  With :math:`s = w\sigma`,
:math:`\Omega = \gamma\sqrt w = -5\beta/6` and :math:`\sigma = y^2` the orbit is closed form:

.. math::

    y = \tfrac12(3\tanh^2\theta - 1),\quad \theta = \tfrac12\kappa\tau + \operatorname{artanh}(1/\sqrt3),
    \quad \kappa^2 = \tfrac{3}{10}\Omega,\quad
    c(\tau) = c_0[1 - w\,y(\tau)^2],

a :math:`\mathrm{sech}^2` profile: :math:`c - c_\infty = c_0 w\,\tfrac34\mathrm{sech}^2\theta
(1 + 3\tanh^2\theta)`.  The Schrödinger potential :math:`U = G'(s) = \Omega(\tfrac32 y - \tfrac65)
= \kappa^2 - \tfrac94\Omega\,\mathrm{sech}^2\theta` is a Pöschl–Teller well with ν = 5 on the
half line :math:`\theta\ge\theta_0` (ψ even in τ: :math:`\psi'(\theta_0) = 0`).  Its Jost
solution :math:`e^{-\mu\theta}P(\tanh\theta)`, :math:`P = \prod_{j=5}^{1}(-\partial_\theta +
j\tanh\theta)\,1`, turns the boundary condition into the sextic

.. math::

    \mu^6 + 5\sqrt3\mu^5 + 5\mu^4 - 65\sqrt3\mu^3 - 226\mu^2 + 40\sqrt3\mu + 200 = 0,

largest root :math:`\mu_0 = 3.50326640\ldots` (:data:`PT_MU0`), so
:math:`E_0 = \Omega e_0`, :math:`e_0 = \tfrac{3}{10}(1 - \mu_0^2/4) = -0.62046566\ldots`,
:math:`\lambda_\max = -1 + \sqrt{1 - E_0}`.  (The odd state :math:`\psi(\theta_0) = 0` sits at
μ = 2, E = 0: the zero mode.)  Leading order in :math:`\epsilon = g - \sqrt2` (analytic):
:math:`x = -\tfrac{\sqrt\pi}{2}\epsilon`, :math:`\beta = -\epsilon/\sqrt2`,
:math:`\Omega = 5\epsilon/(6\sqrt2)`, :math:`\kappa^2 = \sqrt2\epsilon/8`,

.. math::

    \frac{\Delta_0 - \Delta_\infty}{\Delta_0} = w = \Big(\frac{5\pi}{8}\Big)^2\epsilon^2,\qquad
    \lambda_\max = -\frac{5 e_0}{12\sqrt2}\,\epsilon = 0.182806\ldots\,\epsilon,

linear in ε (not quadratic as for SCS: the kernel's :math:`s^{3/2}` cusp replaces the cubic
force).  The mean input x (and so :math:`c_0`, ν) is regular: it differs from the fixed-point
branch :math:`g^2F_2(x) = 1` by :math:`O(\epsilon^3)`.  The exact α, β, γ carry the next order
of the explicit series; read off the evaluation (ε = 1e-7 ... 1e-4): :math:`\lambda_\max =
0.182806\,\epsilon(1 - 0.2932\,\epsilon)`,
:math:`w = (5\pi/8)^2\epsilon^2(1 - 3.232\,\epsilon)`,
:math:`x = -\tfrac{\sqrt\pi}2\epsilon(1 - 0.505\,\epsilon)`.  :func:`balanced_onset` solves the
truncated equations with the exact α, β, γ; the next term of G, :math:`\zeta s^{5/2}` with
:math:`\zeta = g^2\phi(x)(1-x^2)/(30\sqrt\pi)`, shifts w by the relative
:math:`-\tfrac{50}{21}(\zeta/\gamma)w \approx -\tfrac{5}{42}w` (analytic; measured 0.119 w) and λ
by the relative :math:`+0.0131\,w` (fit against the solver at ε = 0.02 ... 0.1, where
:math:`|\delta\lambda/\lambda|/w` = 0.01304, 0.01313, 0.01307, 0.01284).  ``lambda_max_error``
reports :math:`2 \times 0.0131\,w\,\lambda` (:data:`BALANCED_ERROR_COEF`).
"""
import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from .. import _gauss_kernels as GK
from .._transfer import ERF, TANH, USER
from ..errors import ConvergenceError

# Switch points (epsilon strictly below them uses the expansion), by measured agreement.  The solver's
# lambda carries a scatter ~1e-16 / eps^3 relative (the energy root), not in its lambda_max_error; the
# expansion's error ~ 4 p^2 ~ 40 eps^4 is smaller below eps ~ 3e-3.  Measured (relative lambda):
# tanh: |expansion - solver| / stated error (9 p^2) = 0.48 at every eps in [2.5e-3, 6e-3] (the
#   systematic next-order term), but 0.13 ... 3.2 at 2e-3 and 1.8e-9, 5e-9, 2.2e-8 at 1e-3, 5e-4,
#   2e-4 (stated <= 9e-11): solver scatter; it takes 7.5-60 s there and fails at 1e-4;
# erf: the erf solver scatters by 1e-7 ... 2e-6 relative at every eps up to 0.02 (0.11 ... 4.6 of the
#   stated error at 6e-3 ... 1.3e-2); below 6e-3 it is worse: 1.4e-7 at 5e-3, 1.7e-3 and a
#   RuntimeWarning at 3e-3, failures at 1e-3 and 2e-3;
# balanced: the solver finds no root for c_inf / c0 > 0.999 (g - sqrt2 < 0.0161, it fails at 0.016)
#   and agrees to 1.4e-5 (lambda) at 0.017, inside the stated 2.8e-5.
SCS_SWITCH = {"tanh": 3e-3, "erf": 6e-3}     # g phi'(0) - 1 below which solve_scs uses the expansion
SCS_SWITCH_USER = 6e-3
BALANCED_SWITCH = 0.017                      # g - sqrt(2) below which solve_balanced uses it
SCS_ERROR_COEF = 9.0                         # |delta lambda / lambda| <= SCS_ERROR_COEF p^2 (fit x 2)
BALANCED_ERROR_COEF = 2.0 * 0.0131           # |delta lambda / lambda| <= BALANCED_ERROR_COEF w


def _pt_sextic():
    """Coefficients (highest first) of the boundary condition psi'(theta0) = 0, tanh theta0 = 1/sqrt3,
    for the Jost solution of -psi'' - 30 sech^2 psi = -mu^2 psi (see the module docstring).

    Built from P_0 = 1, P_j = mu P_{j-1} - (1 - t^2) P_{j-1}' + j t P_{j-1} as polynomials in
    (mu, t); the condition is -mu P_5(t0) + (1 - t0^2) P_5'(t0) = 0.
    """
    # P as a dict {(i, k): coef} for mu^i t^k
    P = {(0, 0): 1.0}

    def dt(Q):
        return {(i, k - 1): k * c for (i, k), c in Q.items() if k > 0}

    def add(acc, Q, f=1.0, di=0, dk=0):
        for (i, k), c in Q.items():
            acc[(i + di, k + dk)] = acc.get((i + di, k + dk), 0.0) + f * c
    for j in range(1, 6):
        new, dP = {}, dt(P)
        add(new, P, 1.0, 1, 0)          # mu P
        add(new, dP, -1.0)              # -(1 - t^2) P'
        add(new, dP, 1.0, 0, 2)
        add(new, P, float(j), 0, 1)     # j t P
        P = new
    t0 = 1.0 / math.sqrt(3.0)
    cond = {}
    add(cond, P, -1.0, 1, 0)
    dP = dt(P)
    add(cond, dP, 1.0 - t0 * t0)
    coef = np.zeros(7)
    for (i, k), c in cond.items():
        coef[i] += c * t0 ** k
    return coef[::-1]


def _pt_mu0():
    roots = np.roots(_pt_sextic())
    return float(max(r.real for r in roots if abs(r.imag) < 1e-9))


PT_MU0 = _pt_mu0()
PT_E0 = 0.3 * (1.0 - 0.25 * PT_MU0 * PT_MU0)      # ground state in units of Omega
THETA0 = math.atanh(1.0 / math.sqrt(3.0))


# ------------------------------------------------------------------ SCS, odd phi

def is_odd(nl):
    """True if the transfer function is odd (built-in tanh, erf; a user pair checked at 9 points)."""
    if nl.code in (TANH, ERF):
        return True
    if nl.code != USER:
        return False
    x = np.array([0.0, 0.05, 0.3, 0.7, 1.0, 1.6, 2.5, 4.0, 7.0])
    f, fm = np.asarray(nl(x)), np.asarray(nl(-x))
    return bool(np.all(np.abs(f + fm) <= 1e-12 * (1.0 + np.abs(f))))


def odd_moments(nl, v):
    r"""(:math:`\langle\phi'\rangle - \phi'(0)`, :math:`\langle\phi'''\rangle`,
    :math:`\langle\phi^{(5)}\rangle`) over h ~ N(0, v), small v.

    tanh: polynomials in t = tanh h (:math:`\phi' = 1 - t^2`, so the first needs no cancellation),
    erf: closed forms (:math:`\langle\phi^{(n+1)}\rangle = \partial_m^n\langle e^{-a(m+h)^2}\rangle`),
    user pairs: Stein's lemma :math:`\langle\phi^{(n+1)}\rangle = \langle\phi'\,He_n(Z)\rangle/\sigma^n`
    (relative rounding ~1e-16 / v^{n/2}).  20-point Gauss–Hermite (the nodes of
    :mod:`meanfield._gauss_kernels`), exact to ~1e-16 for σ ≤ 0.2.
    """
    if nl.code == ERF:
        a = math.pi / 4.0
        r = 1.0 + 2.0 * a * v
        return math.expm1(-0.5 * math.log1p(2.0 * a * v)), -2.0 * a * r ** -1.5, 12.0 * a * a * r ** -2.5
    z, w = GK.GH_X, GK.GH_W
    s = math.sqrt(v)
    if nl.code == TANH:
        t2 = np.tanh(s * z) ** 2
        d3 = -2.0 + t2 * (8.0 - 6.0 * t2)
        d5 = 16.0 + t2 * (-136.0 + t2 * (240.0 - 120.0 * t2))
        return -float(w @ t2), float(w @ d3), float(w @ d5)
    d = np.asarray(nl.derivative(s * z), dtype=np.float64) - float(nl.derivative(0.0))
    he2, he4 = z * z - 1.0, z ** 4 - 6.0 * z * z + 3.0
    return float(w @ d), float(w @ (d * he2)) / v, float(w @ (d * he4)) / (v * v)


def scs_onset(nl, g):
    r"""Onset expansion of the SCS network (odd, saturating φ); see the module docstring.

    Returns
    -------
    dict
        ``variance`` (:math:`\Delta_0`), ``kappa``, ``p``, ``E0``, ``lambda_max``,
        ``lambda_max_error``, ``epsilon`` (:math:`g|\phi'(0)| - 1`) and ``profile`` (a function of
        τ giving :math:`\Delta(\tau)`).

    Raises
    ------
    ConvergenceError
        φ is not saturating at the origin (:math:`\phi'(0)\phi'''(0) \ge 0`: no small orbit).
    """
    d1 = float(nl.derivative(0.0))
    ad1 = abs(d1)
    gam = g * g
    eps = g * ad1 - 1.0
    lin = -eps * (g * ad1 + 1.0)          # 1 - g^2 phi'(0)^2

    def coefs(v):
        m1, m3, m5 = odd_moments(nl, v)
        return lin - gam * m1 * (2.0 * d1 + m1), gam * m3 * m3 / 6.0, gam * m5 * m5 / 120.0

    def F(v):
        A, B, C = coefs(v)
        return A - 0.5 * B * v * v - C * v ** 4 / 3.0
    _, m3_0, _ = odd_moments(nl, 1e-12)
    if not d1 * m3_0 < 0.0:
        raise ConvergenceError("onset expansion: phi'(0) phi'''(0) >= 0, the transition is not the "
                               "supercritical one of a saturating phi", {"g": g, "phi'(0)": d1})
    v0 = 2.0 * eps * ad1 * ad1 / abs(m3_0 * d1)     # leading order eps / a after scaling phi'(0) = 1
    lo, hi = 0.5 * v0, 2.0 * v0
    if not (F(lo) < 0.0 < F(hi)):
        raise ConvergenceError("onset expansion: no root of the turning-point condition near "
                               "the leading-order variance", {"g": g, "v0": v0})
    v = brentq(F, lo, hi, xtol=1e-300, rtol=1e-15)
    _, B, C = coefs(v)
    k2 = 0.5 * B * v * v + C * v ** 4 / 3.0
    p = C * v * v / B
    E0 = -k2 * (3.0 + 3.2 * p)
    lam = math.expm1(0.5 * math.log1p(-E0))      # -1 + sqrt(1 - E0) without cancellation
    kappa = math.sqrt(k2)

    def profile(tau):
        t = kappa * np.asarray(tau, dtype=np.float64)
        sech = 1.0 / np.cosh(t)
        return v * sech * (1.0 - (p / 3.0) * np.tanh(t) ** 2)
    return {"variance": v, "kappa": kappa, "p": p, "E0": E0, "lambda_max": lam,
            "lambda_max_error": SCS_ERROR_COEF * p * p * lam, "epsilon": eps, "profile": profile}


# ------------------------------------------------------------------ balanced ReLU

def _g2_minus_2(g):
    """g^2 - 2, exact to one rounding (Dekker's product; p - 2 is exact for p in [1, 4])."""
    p, e = GK._two_prod(float(g), float(g))
    return (p - 2.0) + e


def _abg(g, x):
    """alpha, beta, gamma of G(s) = alpha + beta s + gamma s^{3/2} at mean x (c0 = 1).

    Without cancellation: g^2 - 2 from the error-free product (g^2 = p + e, p - 2 exact), so the
    distance to the true sqrt 2 (not to its float) enters; Phi(x) - 1/2 = erf(x / sqrt2) / 2 and
    F2(x) - 1/2 = x pdf + x^2 Phi + erf(x / sqrt2) / 2.
    """
    gam = g * g
    d = _g2_minus_2(g)
    pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    half_erf = 0.5 * math.erf(x / math.sqrt(2.0))
    f2m = x * pdf + x * x * ndtr(x) + half_erf               # F2(x) - 1/2
    alpha = d * (0.5 + f2m) + 2.0 * f2m                      # g^2 F2 - 1
    beta = -0.5 * d - gam * half_erf                         # 1 - g^2 Phi(x)
    return alpha, beta, 2.0 * gam * pdf / (3.0 * math.sqrt(math.pi))


def balanced_onset(g):
    r"""Onset expansion of the balanced ReLU network in units c0 = 1; see the module docstring.

    Returns
    -------
    dict
        ``x`` (m/√c0), ``w`` (:math:`1 - c_\infty/c_0`), ``Omega``, ``kappa``, ``E0``,
        ``lambda_max``, ``lambda_max_error``, ``epsilon`` (g − √2), ``w_error`` (the analytic
        next-order shift of w) and ``profile`` (τ → c(τ)/c0).
    """
    eps = _g2_minus_2(g) / (g + math.sqrt(2.0))     # g - sqrt 2 against the exact sqrt 2
    if not eps > 0.0:
        raise ValueError(f"balanced onset expansion needs g > sqrt(2), got g = {g!r}")

    def eq(x):
        al, be, ga = _abg(g, x)
        return al + (25.0 / 216.0) * be ** 3 / (ga * ga)
    x0 = -0.5 * math.sqrt(math.pi) * eps
    x = brentq(eq, 1.5 * x0, 0.5 * x0, xtol=1e-300, rtol=1e-15)
    _, be, ga = _abg(g, x)
    Om = -5.0 * be / 6.0
    w = (Om / ga) ** 2
    k2 = 0.3 * Om
    kappa = math.sqrt(k2)
    E0 = Om * PT_E0
    lam = math.expm1(0.5 * math.log1p(-E0))
    err = BALANCED_ERROR_COEF * w * lam
    pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    zeta = g * g * pdf * (1.0 - x * x) / (30.0 * math.sqrt(math.pi))

    def profile(tau):
        th = 0.5 * kappa * np.asarray(tau, dtype=np.float64) + THETA0
        y = 0.5 * (3.0 * np.tanh(th) ** 2 - 1.0)
        return 1.0 - w * y * y
    return {"x": x, "w": w, "Omega": Om, "kappa": kappa, "E0": E0, "lambda_max": lam,
            "lambda_max_error": err, "epsilon": eps,
            "w_error": (50.0 / 21.0) * (zeta / ga) * w * w, "profile": profile}
