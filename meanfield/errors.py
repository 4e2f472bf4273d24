"""The error family of meanfield.

Every failure that is not a bad argument derives from :class:`MeanfieldError`:

=========================  =======================================================  ==========================
class                      raised when                                              also an instance of
=========================  =======================================================  ==========================
``ConvergenceError``       an iterative solver (DMFT, root finding) did not         ``RuntimeError``
                           converge; ``diagnostics`` says how far it got
``SimulationBlowUp``       the state of a simulation became non-finite; ``time``    ``FloatingPointError``
                           says when
``UnsupportedRegimeError`` the theory (or simulation) does not cover the model,     ``NotImplementedError``,
                           input or parameter range; the message names what to      ``ValueError``
                           change
``NotAResultFileError``    a file given to ``Result.load``, a checkpoint or a       ``ValueError``
                           phase-diagram output is not a meanfield file (junk,
                           foreign archive, missing or broken fields)
=========================  =======================================================  ==========================

Warnings derive from :class:`MeanfieldWarning`; :class:`StepSizeWarning` (also a
``RuntimeWarning``) says that the integration step is outside the integrator's accuracy or
stability at the states the run visited, and names the largest safe ``dt``.

Bad arguments (wrong type, out of range) stay ``TypeError``/``ValueError`` naming the
parameter and its allowed range.  The builtin second bases keep ``except RuntimeError``,
``except FloatingPointError`` and ``except NotImplementedError`` in user code working.
"""

__all__ = ["MeanfieldError", "ConvergenceError", "SimulationBlowUp", "UnsupportedRegimeError",
           "CriticalAmplitudeError", "NotAResultFileError", "MeanfieldWarning", "StepSizeWarning"]


class MeanfieldError(Exception):
    """Root of every meanfield failure that is not a bad argument."""


class ConvergenceError(MeanfieldError, RuntimeError):
    """A solver did not converge; ``diagnostics`` (dict) says how far it got."""

    def __init__(self, msg, diagnostics=None):
        self.diagnostics = dict(diagnostics or {})
        super().__init__(f"{msg}; diagnostics: {self.diagnostics}" if self.diagnostics else msg)


class CriticalAmplitudeError(ConvergenceError):
    """Root finding for a critical amplitude failed (no sign change, or no convergence)."""


class SimulationBlowUp(MeanfieldError, FloatingPointError):
    """The state became non-finite; ``time`` says when, ``cause`` whether it overflowed
    ("overflow") or became NaN ("nan": a user function returned NaN, or an undefined operation)."""

    def __init__(self, time, hint="", cause="overflow"):
        self.time = time
        self.cause = cause
        if cause == "nan":
            msg = (f"the state became NaN (not a number) at t = {time:g}: a user function (phi, phi', "
                   f"rhs, step or jacobian) returned NaN there, or an operation was undefined; {hint}"
                   "check the functions at the states reached")
        else:
            msg = (f"the state became non-finite (overflow) at t = {time:g}; {hint}"
                   "reduce dt, the coupling strength or the input, or use a bounded phi")
        super().__init__(msg)


def blowup_cause(*arrays):
    """"nan" if any of the arrays holds a NaN, else "overflow" (for :class:`SimulationBlowUp`)."""
    import numpy as np
    return "nan" if any(np.isnan(np.asarray(a)).any() for a in arrays) else "overflow"


class UnsupportedRegimeError(MeanfieldError, NotImplementedError, ValueError):
    """The model, input or parameter range is outside what the method covers."""


class NotAResultFileError(MeanfieldError, ValueError):
    """A file is not a meanfield result, checkpoint or phase-diagram file (the message says which
    part is missing or broken).  Never loaded with pickle."""


class MeanfieldWarning(Warning):
    """Root of meanfield's warnings."""


class StepSizeWarning(MeanfieldWarning, RuntimeWarning):
    """The step dt is beyond the integrator's accuracy or stability for this system: the numbers of
    the run are not valid.  The message gives the largest safe dt."""


class AliasingWarning(MeanfieldWarning, RuntimeWarning):
    """A discrete-time model samples its sinusoidal input fewer than twice per period: the map sees
    the alias frequency (named in the message), not the one that was asked for."""
