"""Dynamic mean-field theory (DMFT) of random and balanced rate networks.

Public: :func:`stationary` (model wrapper), :func:`solve_scs`,
:func:`solve_balanced` (plain parameters), :class:`StationarySolution`,
:class:`DMFTConvergenceError`.
"""
from .stationary import (DMFTConvergenceError, StationarySolution, solve_balanced, solve_scs,
                         stationary)

__all__ = ["stationary", "solve_scs", "solve_balanced", "StationarySolution", "DMFTConvergenceError"]
