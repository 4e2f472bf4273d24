r"""The validation suite: does the theory match the network?

``meanfield validate [--quick | --full] [--cases ...] [--out DIR] [--executor ...]`` on the command
line, :func:`validate` from Python.  Cases are declared as data in :mod:`meanfield.validate.cases`
(what theory computes, what simulation computes, each check's metric, tolerance with its
derivation, and the error it would catch), in tiers: exact identities → analytic limits →
theory against simulation → the papers' figures.  Every finished point is cached atomically
under ``OUT/cache``; an interrupted run resumes without recomputing.  The report is written as
Markdown, self-contained HTML (figures embedded) and JSON (every number with its standard error,
tolerance, justification and provenance); the exit status is non-zero when a check fails.
"""
from .cases import CASES, Case, Check
from .runner import TIERS, ValidationReport, run_point, validate

__all__ = ["validate", "ValidationReport", "Case", "Check", "CASES", "TIERS", "run_point"]
