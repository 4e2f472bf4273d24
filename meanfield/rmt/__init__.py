"""Random-matrix theory of the full Lyapunov spectrum (physics.md §6); see :mod:`meanfield.rmt.api`."""
