r"""Dynamic mean-field theory (DMFT) of random and balanced rate networks.

One front end (:mod:`meanfield.dmft.api`):

* :func:`solve` (model) -- the DMFT of a model, dispatched by :func:`choose_method`;
* :func:`lyapunov_max` (model) -- the same, read for :math:`\lambda_\max` and its error.

Low-level solvers take plain parameters (physics.md section → module):

* §3.1–3.3, 3.5 :mod:`~meanfield.dmft.stationary`: :func:`solve_scs`, :func:`solve_balanced`
  (:class:`StationarySolution`), :func:`~meanfield.dmft.stationary.lambda_convergence`;
* §3.4 :mod:`~meanfield.dmft.independent`: :func:`solve_independent` (:class:`IndependentSolution`),
  :func:`lambda_max_curve` (:class:`LambdaCurve`), :func:`model_parameters`;
* §4 :mod:`~meanfield.dmft.nonstationary`: :func:`solve_nonstationary`
  (:class:`NonstationarySolution`), :func:`quasi_static_lambda`.

Errors come from :mod:`meanfield.errors` (``ConvergenceError``, ``UnsupportedRegimeError``).
Deprecated for one release: ``stationary(model)`` (use :func:`solve`),
``DMFTConvergenceError`` (use ``meanfield.ConvergenceError``),
``independent_critical_amplitude`` (use :func:`meanfield.critical_amplitude`).
"""
import warnings as _warnings

from . import stationary  # noqa: F401  (the module; calling it is deprecated)
from .api import METHODS, choose_method, lyapunov_max, solve
from .independent import (IndependentSolution, LambdaCurve, lambda_max_curve, model_parameters,
                          solve_independent)
from .nonstationary import NonstationarySolution, QuasiStaticLambda, quasi_static_lambda, solve_nonstationary
from .stationary import StationarySolution, solve_balanced, solve_scs

__all__ = ["solve", "lyapunov_max", "choose_method", "METHODS", "solve_scs", "solve_balanced",
           "solve_independent", "solve_nonstationary", "lambda_max_curve", "quasi_static_lambda",
           "StationarySolution", "NonstationarySolution", "QuasiStaticLambda", "stationary",
           "IndependentSolution", "LambdaCurve", "model_parameters"]


def __getattr__(name):
    if name == "DMFTConvergenceError":
        _warnings.warn("meanfield.dmft.DMFTConvergenceError is deprecated; use meanfield.ConvergenceError",
                       DeprecationWarning, stacklevel=2)
        from ..errors import ConvergenceError
        return ConvergenceError
    if name == "independent_critical_amplitude":
        _warnings.warn("meanfield.dmft.independent_critical_amplitude is deprecated; use "
                       "meanfield.critical_amplitude(model, frequency, 'independent')", DeprecationWarning,
                       stacklevel=2)
        from .independent import independent_critical_amplitude
        return independent_critical_amplitude
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
