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
=========================  =======================================================  ==========================

Bad arguments (wrong type, out of range) stay ``TypeError``/``ValueError`` naming the
parameter and its allowed range.  The builtin second bases keep ``except RuntimeError``,
``except FloatingPointError`` and ``except NotImplementedError`` in user code working.
"""

__all__ = ["MeanfieldError", "ConvergenceError", "SimulationBlowUp", "UnsupportedRegimeError",
           "CriticalAmplitudeError"]


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
    """The state became non-finite; ``time`` says when."""

    def __init__(self, time, hint=""):
        self.time = time
        super().__init__(f"the state became non-finite (overflow) at t = {time:g}; {hint}"
                         "reduce dt, the coupling strength or the input, or use a bounded phi")


class UnsupportedRegimeError(MeanfieldError, NotImplementedError, ValueError):
    """The model, input or parameter range is outside what the method covers."""
