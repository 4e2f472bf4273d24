r"""``meanfield.rmt.lyapunov_spectrum(model, method="auto", n=None, **options)``: the front end.

Which method to trust where (physics.md §6):

============  ==================================================  =====================================
method        regime                                              accuracy (measured)
============  ==================================================  =====================================
"free"        discrete time, leak 1 (h -> J phi(h)), no input     exact as N → ∞; N = 300 networks: bulk
                                                                  RMS 0.007-0.020 with the network's own
                                                                  q, 0.018-0.064 with the DMFT q; D/N
                                                                  1-6 %, H/N 2-13 % below (finite N);
                                                                  N = 1000 (3 networks, g = 2, 3): bulk
                                                                  RMS 0.0028-0.0080 (DMFT q), D/N 0.2-
                                                                  1.8 %, H/N 0.4-3.4 % below
"semicircle"  trivial fixed point g |phi'(0)| < 1 (continuous     exact as N → ∞ (KS distance to the
              or discrete time, any leak); continuous time,       eigenvalues of J at N = 400: < 0.04);
              g slightly > 1: near-onset approximation            finite N: ``fixed_point_exponents(J)``
                                                                  exact; near onset (g = 1.25, vs
                                                                  published N = 8192): top +0.011, D/N
                                                                  +57 %, H/N +143 %; useless at g >= 2
"snapshot"    continuous-time chaos, approximation                vs published N = 4096-8192 spectra at
                                                                  g = 1.25, 2, 3: D/N +34, +20, +13 %,
                                                                  H/N +107, +69, +63 %, λ_1 too high;
                                                                  bulk RMS 0.02-0.06 vs N = 200
"single-site" continuous-time chaos, g |phi'(0)| > 1, no input       N → ∞ theory [Clark]; numerics: F(s)
              (physics.md §6.3; meanfield.rmt.single_site)        within 5e-4 of the authors' published
                                                                  values at g = 2, 3, 5 (two path
                                                                  scrambles); ~35-90 s per spectrum
"newman"      products of iid Gaussian matrices                   exact at every N
"single-site" leaky map h -> (1-a)h + a J phi(h), a < 1, chaos      the same theory with the map's symbols
(map)         ("auto" there; meanfield.rmt.single_site)           (equals "free" at a = 1 to 1e-6); vs
                                                                  QR at g = 3, a = 0.5 (seed 1): N = 1000
                                                                  bulk RMS 0.0083 (u <= 0.95), D/N +1.1 %
                                                                  (0.9 SE), H/N -2.1 % (1.1 SE), mean
                                                                  exponent -0.6596 vs -0.6600; N = 500
                                                                  D/N -6.2 % (finite N)
"single-site" dense balanced ReLU network, g > sqrt 2, no input   bulk: single-site theory with the
(balanced)    (meanfield.rmt.balanced; "auto" picks it)           DMFT's 0/1 gates, the rank-one mean
                                                                  coupling left out (approximation);
                                                                  mean-mode exponent -1 - J0 sqrt(K) f
                                                                  (leading order). vs QR at g = 2, N = K
                                                                  = 1000 (three networks): D/N -0.7,
                                                                  -38, -1.8 %, mean 1.1 SE below, H/N
                                                                  -16, -66, -15 % (quenched scatter);
                                                                  N = 500 (two networks): D/N -19 ..
                                                                  +13 %, H/N -49 .. -16 %; RMS (u <=
                                                                  0.05) 0.030 (N = 500), 0.013 (1000)
"semicircle"  dense balanced ReLU network at its stable fixed     exact as N → ∞ given f (atom 1 - f at
(balanced)    point, g <= sqrt 2 ("auto" picks it;                -1, semicircle radius g sqrt f): vs
              meanfield.rmt.balanced)                             Re eig of the fixed point's Jacobian
                                                                  (4 networks, g = 0.8, 1.2, 1.35), bulk
                                                                  RMS with the network's own f 0.008-
                                                                  0.013 (N = 500), 0.005-0.008 (1000),
                                                                  0.003-0.004 (2000); f itself varies
                                                                  from network to network (sd 0.02-0.03
                                                                  at every N), its mean matches the
                                                                  DMFT (within 1.5 SE at 8 of 9 points,
                                                                  2.5 SE at one); with the DMFT f
                                                                  the RMS is 0.008-0.021
============  ==================================================  =====================================

"auto" picks the exact method for the model ("free" for the leak-1 map, "semicircle" at the
trivial fixed point, "single-site" for continuous-time chaos and for the chaotic balanced network)
and records it in ``result.method``.  Balanced networks (``BalancedNetwork``, dense, ReLU, no
input) have "single-site" for g > sqrt 2 and "semicircle" at their stable fixed point g <= sqrt 2
(atom 1 - f at -1 plus a semicircle of radius g sqrt f); sparse couplings are not covered
(:class:`~meanfield.errors.UnsupportedRegimeError`).  The chaotic leaky map
(time="discrete", leak < 1) goes to "single-site" with the map's symbols.
"""
from .._validation import check_int
from ..errors import UnsupportedRegimeError

__all__ = ["lyapunov_spectrum", "METHODS"]

METHODS = ("auto", "free", "semicircle", "snapshot", "single-site", "newman")
_OPTIONS = {"free": {"q"}, "semicircle": set(), "snapshot": {"table_size"}, "newman": set(),
            "single-site": {"T", "m", "n_paths", "eta", "seed", "theta", "tol", "n_thresholds"}}


def _regime(model):
    """('discrete-map' | 'discrete-leaky' | 'continuous', fixed_point: bool)."""
    nl = model.nonlinearity
    R = model.g * abs(float(nl.derivative(0.0)))
    fixed = R < 1.0 and float(nl(0.0)) == 0.0
    if model.time == "discrete":
        return ("discrete-map" if model.leak == 1.0 else "discrete-leaky"), fixed
    return "continuous", fixed


def lyapunov_spectrum(model, method="auto", n=None, **options):
    r"""Lyapunov spectrum of a random network from random-matrix theory (physics.md §6).

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        An autonomous random network (no input), :math:`J_{ij}\sim N(0, g^2/N)`; its N, g, φ, time
        and leak are used (its couplings are not: the theory is for N → ∞).  Or a dense balanced
        ReLU network (g, J0, I0, K, N; :func:`meanfield.rmt.balanced.balanced_spectrum`).
    method : {"auto", "free", "semicircle", "snapshot", "single-site", "newman"}
        See the module docstring.  "newman" is the baseline of products of iid Gaussian matrices
        with :math:`\sigma^2 = g^2\phi'(0)^2` (no network dynamics).
    n : int, optional
        Number of exponents :math:`\lambda(u_i)`, :math:`u_i = (i - 1/2)/n` (default the model's N).
    **options
        "free": ``q`` (DMFT variance override); "snapshot": ``table_size``; "single-site": ``T, m,
        n_paths, eta, seed, theta, tol, n_thresholds``
        (:func:`meanfield.rmt.single_site.single_site_spectrum`).

    Returns
    -------
    RMTSpectrum
        ``method`` says which method answered; rates per iteration (discrete time) or 1/τ.

    Raises
    ------
    UnsupportedRegimeError
        The method does not cover the model (the message names the alternatives).
    TypeError, ValueError
        Bad arguments (named).
    """
    from ..models import BalancedNetwork, RandomNetwork
    if not isinstance(model, (RandomNetwork, BalancedNetwork)):
        raise TypeError(f"model must be a meanfield.RandomNetwork or BalancedNetwork, "
                        f"got {type(model).__name__}")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    n = model.N if n is None else check_int("n", n, 1)
    if model.input is not None:
        raise UnsupportedRegimeError("rmt.lyapunov_spectrum covers autonomous networks only (input=None); "
                                     "use meanfield.lyapunov_spectrum (QR simulation) with input")
    if isinstance(model, BalancedNetwork):
        return _balanced(model, method, n, options)
    kind, fixed = _regime(model)
    if method == "auto":
        if kind == "discrete-map":
            method = "free"
        elif fixed:
            method = "semicircle"
        else:
            method = "single-site"
    allowed = _OPTIONS.get(method, set())
    bad = set(options) - allowed
    if bad:
        raise TypeError(f"unknown option(s) {sorted(bad)} for method {method!r}; allowed: {sorted(allowed)}")
    md = model.to_dict()
    if method == "single-site":
        if fixed:
            raise UnsupportedRegimeError("method 'single-site' needs the chaotic DMFT state "
                                         "(g |phi'(0)| > 1); "
                                         "use 'semicircle' (exact) here")
        if kind != "continuous":
            from .single_site import single_site_map_spectrum
            if "T" in options:
                raise TypeError("option 'T' is for continuous time; the map's window is m iterations")
            return single_site_map_spectrum(model.g, model.nonlinearity, leak=model.leak, N=model.N, n=n,
                                            model=md, **options)
        from .single_site import single_site_spectrum
        return single_site_spectrum(model.g, model.nonlinearity, N=model.N, n=n, model=md, **options)
    if method == "free":
        if kind != "discrete-map":
            raise UnsupportedRegimeError(
                f"method 'free' is the law of the map h -> J phi(h) (time='discrete', leak=1); this model "
                f"has time={model.time!r}, leak={model.leak!r}: use 'semicircle' (g |phi'(0)| < 1), "
                "'single-site' (continuous-time or leaky-map chaos) or 'snapshot' (continuous time, "
                "approximate)")
        from .free import free_spectrum
        return free_spectrum(model.g, model.nonlinearity, N=model.N, n=n, q=options.get("q"), model=md)
    if method == "semicircle":
        from .semicircle import semicircle_spectrum
        if kind == "discrete-leaky" and not fixed:
            raise UnsupportedRegimeError("method 'semicircle' in discrete time covers the fixed point "
                                         "g |phi'(0)| < 1 only")
        return semicircle_spectrum(model.g, model.nonlinearity, N=model.N, n=n, time=model.time,
                                   leak=model.leak, model=md)
    if method == "snapshot":
        if kind != "continuous":
            raise UnsupportedRegimeError("method 'snapshot' is a continuous-time approximation; for the "
                                         "map use 'free'")
        if fixed:
            raise UnsupportedRegimeError("method 'snapshot' needs the chaotic DMFT state (g |phi'(0)| > 1); "
                                         "use 'semicircle' (exact) here")
        from .snapshot import snapshot_spectrum
        return snapshot_spectrum(model.g, model.nonlinearity, N=model.N, n=n, model=md, **options)
    # newman
    from .newman import newman_spectrum
    if n != model.N:
        raise ValueError(f"n = {n}: method 'newman' gives the exact N = {model.N} exponents; leave n=None")
    s2 = (model.g * float(model.nonlinearity.derivative(0.0))) ** 2
    if s2 <= 0:
        raise UnsupportedRegimeError("method 'newman' needs g phi'(0) != 0")
    return newman_spectrum(model.N, s2, model=md)


def _balanced(model, method, n, options):
    """Dispatch for a BalancedNetwork (meanfield.rmt.balanced): the fixed-point law for g <= sqrt 2
    ("semicircle"), the single-site theory with 0/1 gates for g > sqrt 2."""
    fixed = model.g * model.g <= 2.0
    mine = "semicircle" if fixed else "single-site"
    if method not in ("auto", mine):
        state = (f"g = {model.g:g} <= sqrt 2 (stable fixed point)" if fixed
                 else f"g = {model.g:g} > sqrt 2 (chaos)")
        raise UnsupportedRegimeError(
            f"method {method!r} does not cover the balanced network at {state}; use {mine!r} (= 'auto') or "
            "meanfield.lyapunov_spectrum (QR simulation)")
    if model.nonlinearity.name != "relu":
        raise UnsupportedRegimeError(f"balanced network with phi = {model.nonlinearity.name!r}: the balanced "
                                     "DMFT (and so this theory) covers phi='relu' only")
    if model.connectivity != "dense":
        raise UnsupportedRegimeError("connectivity='sparse': the balanced DMFT covers dense couplings; use "
                                     "connectivity='dense' or meanfield.lyapunov_spectrum (QR simulation)")
    if model.I0 <= 0:
        raise UnsupportedRegimeError("balanced network with I0 = 0 has no balanced state; use I0 > 0")
    allowed = _OPTIONS[mine]
    bad = set(options) - allowed
    if bad:
        raise TypeError(f"unknown option(s) {sorted(bad)} for method {mine!r}; "
                        f"allowed: {sorted(allowed)}")
    from .balanced import balanced_fixed_point_spectrum, balanced_spectrum
    if fixed:
        return balanced_fixed_point_spectrum(model.g, model.J0, model.I0, model.K, N=model.N, n=n,
                                             model=model.to_dict())
    return balanced_spectrum(model.g, model.J0, model.I0, model.K, N=model.N, n=n, model=model.to_dict(),
                             **options)
