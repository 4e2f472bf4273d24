r"""Generic dynamical systems for the Lyapunov engine.

:class:`Flow` -- :math:`\dot x = f(t, x)` with Jacobian :math:`\partial f/\partial x`,
in the convention of :func:`scipy.integrate.solve_ivp` (``rhs(t, x)``,
``jacobian(t, x)``), integrated by Euler or RK4 with the exact tangent of the
step.

:class:`Map` -- :math:`x_{n+1} = F(x_n)` with Jacobian ``jacobian(x)``.  For a
map, times count iterations.

Both take plain Python or Numba-compiled callables, so the same engine serves
Lorenz, Hénon or a user's trained RNN.
"""
import numpy as np

from ._validation import check_vector


class _System:
    time = "continuous"

    def __init__(self, x0, name):
        if not callable(self._f):
            raise TypeError(f"{self._fname} must be callable")
        if not callable(self._jac):
            raise TypeError("jacobian must be callable")
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.ndim != 1 or x0.size == 0:
            raise ValueError(f"x0 must be a non-empty 1-d array, got shape {x0.shape}")
        self.x0 = check_vector("x0", x0, x0.size)
        self.N = x0.size
        self.name = name

    def _checked_jac(self, J):
        J = np.asarray(J, dtype=np.float64)
        if J.shape != (self.N, self.N):
            raise ValueError(f"jacobian must return shape ({self.N}, {self.N}), got {J.shape}")
        return J

    def to_dict(self):
        return {"type": type(self).__name__, "name": self.name, "N": self.N, "x0": self.x0.tolist()}


class Flow(_System):
    """Continuous-time system dx/dt = rhs(t, x).

    Parameters
    ----------
    rhs : callable
        ``rhs(t, x) -> (n,)``.
    jacobian : callable
        ``jacobian(t, x) -> (n, n)``, the matrix d rhs / dx.
    x0 : array_like, shape (n,)
        Initial state.
    name : str
        Label stored with results.
    """

    time = "continuous"
    _fname = "rhs"

    def __init__(self, rhs, jacobian, x0, name="flow"):
        self._f, self._jac = rhs, jacobian
        super().__init__(x0, name)
        self.rhs, self.jacobian = rhs, jacobian
        v = np.asarray(rhs(0.0, self.x0), dtype=np.float64)
        if v.shape != (self.N,):
            raise ValueError(f"rhs must return shape ({self.N},), got {v.shape}")
        self._checked_jac(jacobian(0.0, self.x0))


class Map(_System):
    """Discrete-time system x_{n+1} = step(x_n).

    Parameters
    ----------
    step : callable
        ``step(x) -> (n,)``.
    jacobian : callable
        ``jacobian(x) -> (n, n)``, the matrix d step / dx at x.
    x0 : array_like, shape (n,)
        Initial state.
    name : str
        Label stored with results.
    """

    time = "discrete"
    _fname = "step"

    def __init__(self, step, jacobian, x0, name="map"):
        self._f, self._jac = step, jacobian
        super().__init__(x0, name)
        self.step, self.jacobian = step, jacobian
        v = np.asarray(step(self.x0), dtype=np.float64)
        if v.shape != (self.N,):
            raise ValueError(f"step must return shape ({self.N},), got {v.shape}")
        self._checked_jac(jacobian(self.x0))
