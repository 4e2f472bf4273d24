r"""Largest Lyapunov exponent from the stationary DMFT [SCS, SGH].

Continuous time: the two-replica perturbation kernel
:math:`k(t,s) = e^{\lambda(t+s)}\psi(t-s)` turns
:math:`(1+\partial_t)(1+\partial_s)k = g^2 q_{\phi'}(t-s)\,k` into

.. math::

    -\psi'' + [1 - g^2 q_{\phi'}(\tau)]\,\psi = E\,\psi,
    \qquad \lambda_\max = -1 + \sqrt{1 - E_0},

with :math:`E_0` the ground-state energy.  Discretised on a cell-centred
grid on :math:`[0, L]` (even states: Neumann at 0; odd states: Dirichlet at
0), second order in the spacing h, Richardson-extrapolated (h, h/2) to fourth
order.

Discrete time with leak :math:`\Delta` (b = 1 - Δ): with
:math:`k(t,s) = \mu^{t+s}\psi(t-s)`,

.. math::

    (\mu^2 + b^2)\psi_\tau - b\mu(\psi_{\tau+1} + \psi_{\tau-1})
    = \Delta^2 g^2 q_{\phi'}(\tau)\,\psi_\tau,

and :math:`\lambda_\max = \ln\mu` for the largest μ with a bounded solution;
for Δ = 1 it is :math:`\tfrac12\ln(g^2\langle\phi'^2\rangle)`.
"""
import math

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq

from ..errors import ConvergenceError
from . import _stationary_kernels as SK


def _lowest(U, h, parity, guess=None, end="dirichlet"):
    """Lowest eigenvalue of -d2/dtau2 + U on cells (j+1/2)h, Dirichlet (or Neumann) at L.

    The one ground-state solver of the package: Sturm counts and Newton steps on the scaled
    pivots (:func:`_stationary_kernels.lowest_eigenvalue`); the rounding error is that of
    perturbing U by ~eps sqrt|U - E| / h, far below the eps / h^2 of a solver working on the
    matrix entries 2/h^2 + U.  ``parity`` sets the condition at 0 ("even": Neumann, "odd":
    Dirichlet), ``end`` the one at L ("dirichlet" or "neumann").
    """
    if parity not in ("even", "odd"):
        raise ValueError(f"parity must be 'even' or 'odd', got {parity!r}")
    if end not in ("dirichlet", "neumann"):
        raise ValueError(f"end must be 'dirichlet' or 'neumann', got {end!r}")
    U = np.ascontiguousarray(U, dtype=np.float64)
    return SK.lowest_eigenvalue(U, float(h), parity == "odd", np.nan if guess is None else float(guess),
                                end == "neumann")


def grids(L, h):
    """Cell centres of the coarse (spacing h) and fine (h/2) grids on [0, L]."""
    M = int(math.ceil(L / h))
    return (np.arange(M) + 0.5) * h, (np.arange(2 * M) + 0.5) * (h / 2)


def richardson_energy(U_coarse, U_fine, h, parity="even", guess=None, end="dirichlet"):
    """(4 E(h/2) - E(h)) / 3 and |E(h/2) - E| from the potential on the two grids of :func:`grids`
    (``guess``: a starting value for the coarse eigenvalue; ``end``: the condition at L)."""
    Ec = _lowest(U_coarse, h, parity, guess=guess, end=end)
    Ef = _lowest(U_fine, h / 2, parity, guess=Ec, end=end)
    E = (4.0 * Ef - Ec) / 3.0
    return E, abs(Ef - E)


def ground_state_energy(U_of_tau, L, h, parity="even"):
    """Richardson-extrapolated lowest eigenvalue of -psi'' + U psi on [0, L].

    Parameters
    ----------
    U_of_tau : callable
        Vectorised potential U(tau) for tau >= 0 (even in tau).
    L : float
        Half-width of the box (Dirichlet at L).
    h : float
        Coarse grid spacing; the fine grid uses h/2.

    Returns
    -------
    E0 : float
        Extrapolated energy.
    err : float
        |E(h/2) - E0|, an error estimate of the unextrapolated fine value.
    """
    tau_c, tau_f = grids(L, h)
    return richardson_energy(U_of_tau(tau_c), U_of_tau(tau_f), h, parity)


def lambda_from_energy(E0):
    """lambda_max = -1 + sqrt(1 - E0)."""
    return -1.0 + math.sqrt(max(0.0, 1.0 - E0))


def discrete_lambda(q_of_tau, g, leak, tau_max):
    r"""Largest exponent of the leaky discrete-time DMFT (see module docstring).

    ``q_of_tau(tau)`` gives :math:`q_{\phi'}` at integer lags tau >= 0.
    """
    a, b = leak, 1.0 - leak
    if b == 0.0:
        return 0.5 * math.log(g * g * q_of_tau(np.array([0]))[0])
    n = int(tau_max)
    tau = np.arange(n + 1)
    q = q_of_tau(tau)
    w = a * a * g * g * q

    def smallest(mu):
        # even states on tau >= 0: psi_{-1} = psi_1 -> first off-diagonal doubled (symmetrise)
        d = (mu * mu + b * b) - w
        e = np.full(n, -b * mu)
        # similarity transform for the doubled coupling at tau = 0
        e[0] *= math.sqrt(2.0)
        return eigh_tridiagonal(d, e, select="i", select_range=(0, 0), eigvals_only=True)[0]

    # for mu > b the smallest eigenvalue increases with mu: one root above b
    hi = b + a * g * math.sqrt(max(q.max(), 0.0)) + 1.0
    lo = b
    f_lo, f_hi = smallest(lo), smallest(hi)
    if f_hi <= 0:
        raise ConvergenceError("discrete-time Lyapunov problem: no bracket for mu")
    if f_lo > 0:
        return math.log(b)
    mu = brentq(smallest, lo, hi, xtol=1e-15, rtol=1e-14)
    return math.log(mu)
