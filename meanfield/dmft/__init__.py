"""Dynamic mean-field theory (DMFT) of random and balanced rate networks.

Public: :func:`stationary` (model wrapper), :func:`solve_scs`,
:func:`solve_balanced` (plain parameters), :class:`StationarySolution`,
:class:`DMFTConvergenceError`.
"""
from .stationary import (DMFTConvergenceError, StationarySolution, solve_balanced, solve_scs,
                         stationary)

__all__ = ["stationary", "solve_scs", "solve_balanced", "StationarySolution", "DMFTConvergenceError"]

# non-stationary DMFT (common / mixed time-varying input)
from .nonstationary import (NonstationarySolution, QuasiStaticLambda, lyapunov_max,  # noqa: E402
                            quasi_static_lambda, solve_nonstationary)

__all__ += ["solve_nonstationary", "lyapunov_max", "quasi_static_lambda", "NonstationarySolution",
            "QuasiStaticLambda"]
from .independent import independent_critical_amplitude, lambda_max_curve, solve_independent  # noqa: E402

__all__ += ["solve_independent", "lambda_max_curve", "independent_critical_amplitude"]
