r"""Trained recurrent networks (issue 12): Lyapunov diagnostics, predictability time, gradient
flossing and sparsely forced BPTT, on the QR engine of :mod:`meanfield.lyapunov`.

Models         : RNN, PLRNN (:class:`meanfield.Map` systems: ``simulate``, ``lyapunov_spectrum``,
                 ``lyapunov_max`` take them; driven by ``inputs``)
Diagnostics    : lyapunov_spectrum_inputs, predictability_time, forcing_interval,
                 state_space_divergence, power_spectrum_distance, reconstruction_measures
Flossing       : flossing_loss (exact adjoint gradient), floss
Sparse forcing : train_sparse_bptt, sbptt_loss (exact adjoint gradient), pinv_gradient, free_run, lorenz63
Tasks          : delayed_recall, task_loss (exact BPTT gradient), train_task, evaluate_recall
"""
from .diagnostics import (InputAveragedSpectrum, PredictabilityTime, forcing_interval,
                          lyapunov_spectrum_inputs, power_spectrum_distance, predictability_time,
                          state_space_divergence)
from .flossing import FlossResult, floss, flossing_loss
from .models import PLRNN, RNN
from .tasks import TaskResult, Trials, delayed_recall, evaluate_recall, task_loss, train_task
from .sbptt import (Reconstruction, SBPTTResult, free_run, lorenz63, pinv_gradient, reconstruction_measures,
                    sbptt_loss, train_sparse_bptt)

__all__ = ["RNN", "PLRNN", "lyapunov_spectrum_inputs", "InputAveragedSpectrum", "predictability_time",
           "PredictabilityTime", "forcing_interval", "state_space_divergence", "power_spectrum_distance",
           "flossing_loss", "floss", "FlossResult", "train_sparse_bptt", "sbptt_loss", "pinv_gradient",
           "SBPTTResult",
           "free_run", "lorenz63", "reconstruction_measures", "Reconstruction", "delayed_recall", "task_loss",
           "train_task", "evaluate_recall", "TaskResult", "Trials"]
