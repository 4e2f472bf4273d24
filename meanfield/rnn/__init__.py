"""Trained recurrent networks: Lyapunov diagnostics, predictability, gradient flossing, sparsely
forced BPTT (issue 12).  See :mod:`meanfield.rnn.models`."""
from .models import PLRNN, RNN

__all__ = ["RNN", "PLRNN"]
