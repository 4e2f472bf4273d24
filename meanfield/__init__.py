"""meanfield: theory against simulation for chaotic rate networks.

Public API
----------
Models      : RandomNetwork, BalancedNetwork, SineInput, OUInput
Systems     : Flow, Map
Simulation  : simulate, SimulationResult
Lyapunov    : lyapunov_spectrum, lyapunov_max, LyapunovResult, LyapunovMaxResult,
              kaplan_yorke, entropy_rate
Theory      : rmt -- full Lyapunov spectra from random-matrix theory, meanfield.rmt.lyapunov_spectrum(model)
              dmft -- one front end, meanfield.dmft.solve(model) / meanfield.dmft.lyapunov_max(model)
Trained RNNs: rnn -- RNN, PLRNN, predictability_time, flossing_loss / floss, train_sparse_bptt
Questions   : critical_amplitude, phase_diagram, PhaseDiagram, CriticalAmplitude, plot_phase_diagram
Errors      : MeanfieldError > ConvergenceError (> CriticalAmplitudeError), SimulationBlowUp,
              UnsupportedRegimeError, NotAResultFileError  (bad arguments: ValueError / TypeError)
Warnings    : MeanfieldWarning > StepSizeWarning, AliasingWarning (also RuntimeWarnings)
Utilities   : blas_threads
"""
from . import dmft
from . import rmt
from . import rnn
from .errors import (AliasingWarning, ConvergenceError, CriticalAmplitudeError, MeanfieldError,
                     MeanfieldWarning, NotAResultFileError, SimulationBlowUp, StepSizeWarning,
                     UnsupportedRegimeError)
from ._threads import blas_threads
from ._version import __version__
from .inputs import OUInput, SineInput
from .lyapunov import (LyapunovMaxResult, LyapunovResult, entropy_rate, kaplan_yorke,
                       lyapunov_max, lyapunov_spectrum)
from .models import BalancedNetwork, RandomNetwork
from .phase import CriticalAmplitude, PhaseDiagram, critical_amplitude, phase_diagram
from .plotting import plot_phase_diagram
from .simulation import SimulationResult, simulate
from .systems import Flow, Map

__all__ = [
    "__version__", "RandomNetwork", "BalancedNetwork", "SineInput", "OUInput", "Flow", "Map",
    "simulate", "SimulationResult", "SimulationBlowUp", "lyapunov_spectrum", "lyapunov_max",
    "LyapunovResult", "LyapunovMaxResult", "kaplan_yorke", "entropy_rate", "blas_threads",
    "dmft",
    "rmt",
    "rnn",
    "critical_amplitude", "phase_diagram", "PhaseDiagram", "CriticalAmplitude", "plot_phase_diagram",
    "MeanfieldError", "ConvergenceError", "CriticalAmplitudeError", "UnsupportedRegimeError",
    "NotAResultFileError", "MeanfieldWarning", "StepSizeWarning", "AliasingWarning",
]
