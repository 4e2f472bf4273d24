r"""The one DMFT front end: :func:`solve` and :func:`lyapunov_max` for a model.

Every theory question about a model -- from :func:`meanfield.critical_amplitude`,
:func:`meanfield.phase_diagram`, the validation suite or the command line -- goes through
:func:`solve`.  It reads the plain parameters off the model and calls one low-level solver
(NNMT's pattern: the solvers take plain parameters, this module is the thin model wrapper).

Which solver (``method="auto"``):

==============================  =================================  ===================================
model                           input                              method (solver)
==============================  =================================  ===================================
``RandomNetwork``               none, or amplitude 0               ``"stationary"`` (:func:`solve_scs`;
                                                                   continuous, discrete, leaky)
``RandomNetwork``               independent (c = 0)                ``"independent"``
                                                                   (:func:`solve_independent`)
``RandomNetwork``               common or mixed (c > 0)            unsupported (the common part
                                                                   makes the SCS DMFT non-stationary)
dense ``BalancedNetwork``, ReLU none, or amplitude 0               ``"stationary"`` (:func:`solve_balanced`)
dense ``BalancedNetwork``, ReLU independent (c = 0)                ``"independent"``
dense ``BalancedNetwork``       common or mixed (c > 0)            ``"nonstationary"``
                                                                   (:func:`solve_nonstationary`)
dense ``BalancedNetwork``,      none or independent                ``"nonstationary"``
other φ
sparse ``BalancedNetwork``      any                                unsupported (dense couplings only)
==============================  =================================  ===================================

``method`` has one meaning across meanfield: the algorithm that answers the question.  Here it
forces a solver (``"stationary"``, ``"independent"``, ``"nonstationary"``); the result's
``method`` says which one answered.  Options are checked against the chosen solver's
signature: an option it does not take is a ``TypeError`` that lists the ones it does.
"""
import inspect
import math

from ..errors import UnsupportedRegimeError
from ..inputs import SineInput

__all__ = ["solve", "lyapunov_max", "choose_method", "METHODS"]

METHODS = ("auto", "stationary", "independent", "nonstationary")


def _input_amplitude(inp):
    return inp.amplitude if isinstance(inp, SineInput) else inp.std


def _models():
    from ..models import BalancedNetwork, RandomNetwork
    return RandomNetwork, BalancedNetwork


def choose_method(model):
    """The solver ``method="auto"`` picks for ``model`` (see the module table).

    Raises
    ------
    TypeError
        ``model`` is not a RandomNetwork or BalancedNetwork.
    UnsupportedRegimeError
        No DMFT in meanfield covers the model; the message says what to change.
    """
    RandomNetwork, BalancedNetwork = _models()
    if not isinstance(model, (RandomNetwork, BalancedNetwork)):
        raise TypeError(f"model must be a RandomNetwork or BalancedNetwork, got {type(model).__name__}")
    inp = model.input
    quiet = inp is None or _input_amplitude(inp) == 0.0
    if isinstance(model, RandomNetwork):
        if quiet:
            return "stationary"
        if inp.c == 0.0:
            return "independent"
        raise UnsupportedRegimeError(
            f"input correlation c = {inp.c:g}: the DMFT of a RandomNetwork with common (correlated) input "
            "is not implemented; use correlation='independent', or a BalancedNetwork (two-time DMFT), or "
            "method='simulation'")
    if model.connectivity != "dense":
        raise UnsupportedRegimeError("connectivity='sparse': the balanced DMFT covers dense couplings; "
                                     "use connectivity='dense' or method='simulation'")
    relu = model.nonlinearity.name == "relu"
    if quiet:
        return "stationary" if relu else "nonstationary"
    if inp.c == 0.0 and relu:
        return "independent"
    return "nonstationary"


def _stationary_call(model):
    from .stationary import solve_balanced, solve_scs
    RandomNetwork, _ = _models()
    if isinstance(model, RandomNetwork):
        return solve_scs, dict(g=model.g, phi=model.nonlinearity, time=model.time, leak=model.leak)
    if model.nonlinearity.name != "relu":
        raise UnsupportedRegimeError(f"phi = {model.nonlinearity.name!r}: the stationary balanced DMFT "
                                     "covers ReLU; use method='nonstationary' (any phi)")
    return solve_balanced, dict(g=model.g, J0=model.J0, I0=model.I0, K=model.K, phi=model.nonlinearity)


def _independent_call(model):
    from . import independent
    if model.input is None or model.input.c != 0.0:
        c = None if model.input is None else model.input.c
        raise UnsupportedRegimeError(f"method='independent' needs purely independent input (correlation 0), "
                                     f"got {'no input' if c is None else f'c = {c:g}'}")
    return independent.solve_independent, independent.model_parameters(model)


def _nonstationary_call(model):
    from .nonstationary import solve_nonstationary
    _, BalancedNetwork = _models()
    if not isinstance(model, BalancedNetwork):
        raise UnsupportedRegimeError("method='nonstationary': the two-time DMFT covers BalancedNetwork "
                                     f"models, got {type(model).__name__}")
    if model.connectivity != "dense":
        raise UnsupportedRegimeError("connectivity='sparse': the two-time DMFT covers dense couplings")
    return solve_nonstationary, dict(g=model.g, J0=model.J0, I0=model.I0, K=model.K, phi=model.nonlinearity,
                                     input=model.input)


_CALLS = {"stationary": _stationary_call, "independent": _independent_call,
          "nonstationary": _nonstationary_call}


def _accepted(fn, fixed):
    """Keyword options ``fn`` takes besides the model parameters in ``fixed``."""
    names = []
    for p in inspect.signature(fn).parameters.values():
        if (p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in fixed
                and p.name not in ("model", "method")):
            names.append(p.name)
    return names


def solve(model, method="auto", **options):
    r"""DMFT of ``model``: the one dispatcher (see the module table).

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        The network, its transfer function, time kind and input (N enters only through
        K for balanced networks: the theory is N → ∞ at fixed K).
    method : {"auto", "stationary", "independent", "nonstationary"}
        The solver; "auto" picks it from the model (:func:`choose_method`).
    guess : result, optional
        A solution of a neighbouring problem to start from (continuation); used by the
        solvers that iterate ("independent"), accepted and unused by the others.
    **options
        Settings of the chosen solver (e.g. ``tau_max``, ``n_tau``; ``dt``, ``n_steps``,
        ``order`` for "nonstationary"; ``phase_average``, ``tol`` for "independent").
        An option named after a solver (``stationary=``, ``independent=``,
        ``nonstationary=``) takes a dict of settings that apply only when that solver is the
        one chosen -- for sweeps whose points reach several solvers, e.g.
        ``solve(model, nonstationary={"dt": 0.125, "n_steps": 2048})``.

    Returns
    -------
    StationarySolution or NonstationarySolution
        Every one carries ``lambda_max`` and ``lambda_max_error`` (1/τ; per iteration in
        discrete time), ``method``, ``model`` (the model's ``to_dict()``), ``settings``
        (the options used) and ``diagnostics``.

    Raises
    ------
    TypeError
        ``model`` of another type, or an option the chosen solver does not take.
    ValueError
        ``method`` not one of :data:`METHODS`, or a bad option value.
    UnsupportedRegimeError
        No DMFT covers the model (or the forced method does not cover it).
    ConvergenceError
        The solver did not converge; ``diagnostics`` attached.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    chosen = choose_method(model) if method == "auto" else method
    if method != "auto":
        choose_method(model)         # type check and sparse/unsupported models
    fn, params = _CALLS[chosen](model)
    for name in METHODS[1:]:
        per = options.pop(name, None)
        if per is None:
            continue
        if not isinstance(per, dict):
            raise TypeError(f"option {name}= must be a dict of settings of the {name!r} solver, "
                            f"got {type(per).__name__}")
        if name == chosen:
            options.update(per)
    guess = options.pop("guess", None)
    allowed = _accepted(fn, params)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown option(s) {unknown} for method={chosen!r} ({fn.__name__}); "
                        f"it takes {sorted(a for a in allowed if a != 'guess')}")
    if guess is not None and "guess" in allowed:
        options["guess"] = guess
    res = fn(**params, **options)
    res.method = chosen
    res.model = model.to_dict()
    settings = dict(getattr(res, "settings", None) or {})     # what the solver recorded, if anything
    settings.update({k: _plain(v) for k, v in options.items() if k != "guess"})
    res.settings = settings
    return res


def _plain(v):
    return v if isinstance(v, (int, float, str, bool, type(None), tuple, list, dict)) else repr(v)


def lyapunov_max(model, method="auto", **options):
    r"""Largest Lyapunov exponent :math:`\lambda_\max` of ``model`` from DMFT.

    The same dispatch and options as :func:`solve`; returns its full result, whose
    ``lambda_max`` and ``lambda_max_error`` are the answer (1/τ; per iteration for
    discrete-time networks).  Continuous time: :math:`\lambda_\max = -1 + \sqrt{1 - E_0}`
    from the Schrödinger ground state (stationary, independent input) or the growth rate
    of ½ ln k(t,t) of the two-replica kernel (non-stationary); discrete time:
    :math:`\tfrac12\ln(g^2\langle\phi'^2\rangle)` (leak 1).
    """
    return solve(model, method=method, **options)


def lambda_value(result):
    """(λ_max, its error) as floats from any result of the family."""
    lam = float(result.lambda_max)
    err = getattr(result, "lambda_max_error", None)
    return lam, (math.nan if err is None else float(err))
