r"""Sparsely forced backpropagation through time for PLRNNs [MMD22], and reconstruction measures.

Training sequences :math:`x_{s}, \dots, x_{s+L}` are cut from the observed trajectory.  The model
starts from the forced state :math:`z_0 = B^+x_s`, predicts :math:`z_t = F(z_{t-1})`, and every τ
steps is forced back onto the data.  Two forcings are offered:

.. math::

    \text{full (default, [MMD22])}:\quad z_t \leftarrow B^+x_t, \qquad
    \text{observed}:\quad z_t \leftarrow z_t + B^+(x_t - B z_t).

Whole-state forcing replaces the latent state and so cuts the product of Jacobians: no gradient
runs back more than τ steps, which is what keeps the gradients of a chaotic model bounded
([MMD22], Thm. 1).  It needs a B that reaches every latent unit (train it: ``"B"`` in
``params``).  Forcing of the observed directions only (for B of full row rank the observed
components are set to the data, the null space of B runs free) keeps the hidden units' memory
and passes the adjoint through :math:`1 - B^+B`.  The loss is the mean squared prediction error
(before forcing),

.. math::

    \mathcal L = \frac{1}{n_\mathrm{seq} L M}\sum_{\mathrm{seq}}\sum_{t=1}^{L} \|x_t - B z_t\|^2,

and its exact gradient with respect to A, W, h and B comes from the same reverse-mode state
adjoint as :func:`meanfield.rnn.flossing_loss`; the forcing's :math:`B^+` is differentiated by
:func:`pinv_gradient`.  Updates by Adam, optionally with τ annealed from 1 up.  τ = 1 is teacher
forcing at every step; τ ≥ L is plain BPTT of the free-running model.  [MMD22] choose τ near
the predictability time :math:`\ln 2/\lambda_\max` of the data
(:func:`meanfield.rnn.forcing_interval`).

A chaotic model's attractor changes from update to update while the loss hardly moves, so the
last update is rarely the best reconstruction; given held-out ``validation`` data the training
keeps the model whose free runs have the lowest state-space divergence from it (model selection
as in the dynamical-systems-reconstruction literature), each run from its own start scored after
a long warm-up, so that a model whose chaos is only transient from some starts is not chosen.

[MMD22] J. Mikhaeil, Z. Monfared, D. Durstewitz, On the difficulty of learning chaotic dynamics
with RNNs, NeurIPS 2022.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _engine
from .._validation import check_int, check_real, check_seed
from ..results import Result, provenance, standard_diagnostics
from . import _kernels as K
from .diagnostics import power_spectrum_distance, predictability_time, state_space_divergence
from .flossing import _Adam, _TrainedResult
from .models import PLRNN


def _check_data(data, M, name="data"):
    x = np.asarray(data, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != M or x.shape[0] < 2:
        raise ValueError(f"{name} must be a (T >= 2, M = {M}) array (M = rows of the model's B), "
                         f"got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return np.ascontiguousarray(x)


_FORCINGS = ("full", "observed")


def _check_forcing(forcing):
    if forcing not in _FORCINGS:
        raise ValueError(f"forcing must be one of {list(_FORCINGS)}, got {forcing!r}")
    return forcing


def _forcing_maps(B, forcing="full"):
    """B^+ and the part ``Keep`` of a prediction that a forcing keeps: 0 for whole-state forcing
    (as a 0 x 0 array, which the kernels skip), the projector 1 - B^+B on the null space of B for
    forcing of the observed directions."""
    Bp = np.linalg.pinv(B)
    Keep = np.zeros((0, 0)) if forcing == "full" else np.eye(B.shape[1]) - Bp @ B
    return np.ascontiguousarray(Bp), np.ascontiguousarray(Keep)


def pinv_gradient(B, G, Bp=None):
    r"""∂L/∂B from :math:`G = \partial L/\partial B^+` for the Moore–Penrose pseudo-inverse of a
    matrix of constant rank (Golub & Pereyra 1973):

    .. math::

        dB^+ = -B^+\,dB\,B^+ + B^+B^{+\top} dB^\top (1 - BB^+) + (1 - B^+B)\,dB^\top B^{+\top}B^+,

    so :math:`\partial L/\partial B = -B^{+\top} G B^{+\top} + (1 - BB^+) G^\top B^+B^{+\top}
    + B^{+\top}B^+ G^\top (1 - B^+B)`.

    Parameters
    ----------
    B : (M, N) array
    G : (N, M) array
        Gradient of a scalar with respect to :math:`B^+`.
    Bp : (N, M) array, optional
        :math:`B^+` if already computed.

    Returns
    -------
    (M, N) array
    """
    B = np.asarray(B, dtype=np.float64)
    G = np.asarray(G, dtype=np.float64)
    if B.ndim != 2 or G.shape != (B.shape[1], B.shape[0]):
        raise ValueError(f"G must have the shape of B^+ {(B.shape[1], B.shape[0])}, got {G.shape}")
    Bp = np.linalg.pinv(B) if Bp is None else Bp
    M, N = B.shape
    return (-Bp.T @ G @ Bp.T + (np.eye(M) - B @ Bp) @ G.T @ Bp @ Bp.T
            + Bp.T @ Bp @ G.T @ (np.eye(N) - Bp @ B))


def sbptt_loss(model, segments, tau, forcing="full"):
    r"""Sparsely-forced loss :math:`\mathcal L` of a batch of segments and its exact gradient.

    Parameters
    ----------
    model : PLRNN
    segments : sequence of (L + 1, M) arrays
        Observed segments; row 0 gives the forced initial state :math:`z_0 = B^+x_0`.
    tau : int
        Forcing interval (>= 1).
    forcing : {"full", "observed"}
        ``"full"`` (default, [MMD22]): at the forcing times the whole state is replaced,
        :math:`z_t \leftarrow B^+x_t`, which cuts the Jacobian product (gradients run back at most
        τ steps).  ``"observed"``: only the observed directions are replaced,
        :math:`z_t \leftarrow z_t + B^+(x_t - Bz_t)`; the adjoint passes through :math:`1 - B^+B`.

    Returns
    -------
    loss : float
    grads : dict
        ``A``, ``W``, ``h`` and ``B`` (the B gradient includes the forcing's :math:`B^+`, through
        :func:`pinv_gradient`).
    """
    if not isinstance(model, PLRNN):
        raise TypeError(f"model must be a meanfield.rnn.PLRNN, got {type(model).__name__}")
    if model.inputs is not None:
        raise ValueError("sparsely forced BPTT here trains autonomous PLRNNs: give a model without inputs")
    tau = check_int("tau", tau, 1)
    forcing = _check_forcing(forcing)
    segs = [_check_data(s, model.B.shape[0]) for s in segments]
    if not segs or any(s.shape[0] < 2 for s in segs):
        raise ValueError("segments must be a non-empty sequence of arrays with at least 2 rows")
    N, M = model.N, model.B.shape[0]
    Bp, Keep = _forcing_maps(model.B, forcing)
    Bm = np.ascontiguousarray(model.B)
    code, W, b, a = model.nonlinearity.code, model._W, model._b, model._a
    U = np.ascontiguousarray(model.h[None, :])
    n_terms = sum(s.shape[0] - 1 for s in segs) * M
    w = 1.0 / n_terms
    gW, gb, gU = np.zeros((N, N)), np.zeros(N), np.zeros((1, N))
    gBp, gB, h0bar = np.zeros((N, M)), np.zeros((M, N)), np.empty(N)
    loss = 0.0
    for x in segs:
        L = x.shape[0] - 1
        Zs, Zp, terms = np.empty((L + 1, N)), np.empty((L, N)), np.empty(L)
        z0 = Bp @ x[0]
        st = K._sf_forward(code, W, b, a, U, z0, x, Keep, Bp, Bm, tau, Zs, Zp, terms)
        if st >= 0:
            from ..errors import SimulationBlowUp
            raise SimulationBlowUp(float(st), "the PLRNN diverged during training; lower lr or tau; ")
        loss += w * float(terms.sum())
        K._sf_backward(code, W, b, a, U, x, Keep, Bp, Bm, forcing == "observed", tau, Zs, Zp, w,
                       gW, gb, gU, gBp, gB, h0bar)
        gBp += np.outer(h0bar, x[0])              # z_0 = B^+ x_0
    gB += pinv_gradient(model.B, gBp, Bp)
    return loss, {"A": gb, "W": gW, "h": gU[0].copy(), "B": gB}


@dataclass
class SBPTTResult(_TrainedResult, Result):
    """Output of :func:`train_sparse_bptt`: the trained ``model``, the ``loss_history`` (one
    value per update, the batch loss before it) and the ``tau_history`` (the forcing interval of
    each update) and, when training validated, the ``validation_history`` ((update, D_stsp)
    rows; ``model`` is then the validated best, ``settings["selected_update"]`` its update)."""

    _ARRAYS = ("loss_history", "tau_history", "validation_history")

    loss_history: np.ndarray
    tau_history: np.ndarray
    parameters: dict
    settings: dict
    model: object = None
    validation_history: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    method: str = "sparse-bptt-adam"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)


def train_sparse_bptt(model, data, tau, steps=1000, seq_len=200, batch=16, lr=1e-3, seed=None,
                      params=("A", "W", "h"), max_grad_norm=None, A_bounds=None, forcing="full",
                      tau_anneal=0.0, lr_final=None, validation=None, validate_every=None,
                      validation_bins=10, validation_warmup=None, validation_starts=8, progress=True):
    r"""Fit a PLRNN to an observed trajectory by sparsely forced BPTT with Adam [MMD22].

    Parameters
    ----------
    model : PLRNN
        Initial model (e.g. :meth:`PLRNN.random`); its B is the observation model, trained when
        ``"B"`` is in ``params``.
    data : array_like (T, M)
        Observed trajectory (standardise it first: the PLRNN has no output scaling).
    tau : int
        Forcing interval τ >= 1 (steps); see :func:`meanfield.rnn.forcing_interval`.
    steps : int
        Adam updates.
    seq_len : int
        Steps L of each training segment (segments start at random times).
    batch : int
        Segments per update.
    lr : float
        Adam learning rate (of the first update).
    seed : int or None
        Seed of the segment starts.
    params : sequence of str
        Arrays to train (subset of ``A``, ``W``, ``h``, ``B``).  With whole-state forcing, B sets
        the forced state :math:`B^+x`: train it unless B already maps the data to good latent
        states.
    max_grad_norm : float, optional
        Rescale each gradient to at most this norm.
    A_bounds : (float, float), optional
        Clip the diagonal A into [lo, hi] after every update (projected Adam).  With hi <= 1 a
        unit whose rectifier is off cannot grow: a hidden (unobserved) unit with A_ii > 1 that
        drifts negative is invisible in the observations and the training loss but diverges like
        A_ii^t and puts a spurious exponent ln A_ii into the model's spectrum.
    forcing : {"full", "observed"}
        Whole-state forcing :math:`z_t \leftarrow B^+x_t` (default, [MMD22]) or forcing of the
        observed directions only; see :func:`sbptt_loss`.
    tau_anneal : float in [0, 1)
        Fraction of the updates over which the forcing interval rises geometrically from 1 to
        ``tau``, :math:`\tau_i = \mathrm{round}(\tau^{\,i/(f\,\mathrm{steps})})` (0: constant
        τ).  Early updates then learn one-step predictions, later ones the long-range dynamics.
    lr_final : float, optional
        Learning rate of the last update; in between it decays geometrically,
        :math:`\eta_i = \eta\,(\eta_\mathrm{final}/\eta)^{i/(\mathrm{steps}-1)}` (default: constant).
    validation : array_like (T_v, M), optional
        Held-out observations for model selection: every ``validate_every`` updates (and after
        the last) the model runs free from :math:`B^+x` at ``validation_starts`` equally spaced
        points of it, for ``validation_warmup`` + T_v steps each.  The score is the mean over
        the runs of the state-space divergence of each run's last T_v steps from
        ``validation`` (:func:`state_space_divergence`, ``validation_bins`` bins per axis); it
        is recorded and the returned model is the one with the lowest.  With ``tau_anneal`` only
        updates after the ramp are validated, so the selected model was trained at the forcing
        interval ``tau``.  A chaotic model's attractor moves from update to update while the
        loss barely changes, so the last update is not the best reconstruction.
    validate_every : int, optional
        Updates between validations (default ``steps // 20``; ignored without ``validation``).
    validation_bins : int
        Bins per axis of the validation divergence.
    validation_warmup : int, optional
        Steps of each validation run discarded before its occupation is counted (default 3 T_v).
        The selection then judges where the model's runs end up, not their transient from the
        data point, which for a slightly wrong attractor still looks like the data.  A model
        with transient chaos that collapses onto a fixed point after some 10^4 steps has a
        pooled occupation close to the data's but scores ~ D_stsp(point mass) / validation_starts
        worse for each run that has collapsed.
    validation_starts : int
        Free runs per validation (>= 1, at most T_v); each is scored on its own, so every start
        must reproduce the data.
    progress : bool
        Progress bar (tqdm).

    Returns
    -------
    SBPTTResult
        ``tau_history`` holds the forcing interval of every update.
    """
    if not isinstance(model, PLRNN):
        raise TypeError(f"model must be a meanfield.rnn.PLRNN, got {type(model).__name__}")
    x = _check_data(data, model.B.shape[0])
    tau = check_int("tau", tau, 1)
    steps = check_int("steps", steps, 1)
    seq_len = check_int("seq_len", seq_len, 1, x.shape[0] - 1)
    batch = check_int("batch", batch, 1)
    lr = check_real("lr", lr, 0.0, low_open=True)
    params = tuple(params)
    for p in params:
        if p not in ("A", "W", "h", "B"):
            raise ValueError(f"params: {p!r} is not trainable here; choose from ['A', 'W', 'h', 'B']")
    forcing = _check_forcing(forcing)
    tau_anneal = check_real("tau_anneal", tau_anneal, 0.0, 1.0, high_open=True)
    n_ramp = tau_anneal * steps
    if lr_final is not None:
        lr_final = check_real("lr_final", lr_final, 0.0, low_open=True)
    if max_grad_norm is not None:
        max_grad_norm = check_real("max_grad_norm", max_grad_norm, 0.0, low_open=True)
    if A_bounds is not None:
        try:
            a_lo, a_hi = (float(v) for v in A_bounds)
        except (TypeError, ValueError):
            raise TypeError("A_bounds must be None or a pair (lo, hi)") from None
        if not (math.isfinite(a_lo) and math.isfinite(a_hi) and a_lo < a_hi):
            raise ValueError(f"A_bounds must be a finite pair lo < hi, got {A_bounds!r}")
        A_bounds = (a_lo, a_hi)
    if validation is not None:
        validation = _check_data(validation, model.B.shape[0], "validation")
        validate_every = max(steps // 20, 1) if validate_every is None else check_int(
            "validate_every", validate_every, 1)
        validation_bins = check_int("validation_bins", validation_bins, 2)
        validation_warmup = 3 * validation.shape[0] if validation_warmup is None else check_int(
            "validation_warmup", validation_warmup, 0)
        validation_starts = check_int("validation_starts", validation_starts, 1, validation.shape[0])
    val_hist, best = [], (math.inf, model, 0)
    ss = check_seed("seed", seed)
    rng = np.random.default_rng(ss)
    opt = _Adam(lr)
    hist = np.empty(steps)
    taus = np.empty(steps, dtype=np.int64)
    bar = _engine.progress_bar(steps, "sparse BPTT", progress, unit="update")
    for i in range(steps):
        starts = rng.integers(0, x.shape[0] - seq_len, batch)
        taus[i] = tau if i >= n_ramp else min(tau, int(round(tau ** (i / n_ramp))))
        loss, g = sbptt_loss(model, [x[s:s + seq_len + 1] for s in starts], int(taus[i]), forcing)
        if max_grad_norm is not None:
            nrm = math.sqrt(sum(float(np.sum(g[p] ** 2)) for p in params))
            if nrm > max_grad_norm:
                g = {p: g[p] * (max_grad_norm / nrm) for p in params}
        hist[i] = loss
        if lr_final is not None:
            opt.lr = lr * (lr_final / lr) ** (i / max(steps - 1, 1))
        new = opt.step({p: getattr(model, p) for p in params}, g)
        if A_bounds is not None and "A" in new:
            new["A"] = np.clip(new["A"], *A_bounds)
        model = model.replace(**new)
        if validation is not None and i >= n_ramp and ((i + 1) % validate_every == 0 or i + 1 == steps):
            d = _validation_divergence(model, validation, validation_bins, validation_starts,
                                       validation_warmup)
            val_hist.append((i + 1, d))
            if d < best[0]:
                best = (d, model, i + 1)
        bar.update(1)
        if progress and i % 50 == 0:
            bar.set_postfix(loss=f"{loss:.4g}")
    bar.close()
    if validation is not None:
        if not math.isfinite(best[0]):
            import warnings
            from ..errors import MeanfieldWarning
            warnings.warn("train_sparse_bptt: every validated model diverged in its free run; returning "
                          "the last one", MeanfieldWarning, stacklevel=2)
        else:
            model = best[1]
    return SBPTTResult(hist, taus, model.parameters(),
                       {"tau": tau, "steps": steps, "seq_len": seq_len, "batch": batch, "lr": lr,
                        "seed": int(ss.entropy), "params": list(params), "max_grad_norm": max_grad_norm,
                        "A_bounds": None if A_bounds is None else list(A_bounds), "forcing": forcing,
                        "tau_anneal": tau_anneal, "lr_final": lr_final,
                        "validate_every": validate_every, "validation_bins": validation_bins,
                        "validation_warmup": validation_warmup, "validation_starts": validation_starts,
                        "selected_update": best[2] if validation is not None else steps},
                       model=model, validation_history=np.asarray(val_hist, dtype=float).reshape(-1, 2))


def _runs_latent(model, X0, n_steps, n_skip=0):
    """Latent states (m, n_steps, N) of free runs from the forced states of the rows of X0 (m, M),
    all runs at once (one column each), after ``n_skip`` unrecorded steps.  A diverging run gives
    non-finite values, no floating-point warnings."""
    Bp, _ = _forcing_maps(model.B)
    H = np.ascontiguousarray((np.atleast_2d(np.asarray(X0, dtype=np.float64)) @ Bp.T).T)
    out = np.empty((n_steps, model.N, H.shape[1]))
    K._free_run(model.nonlinearity.code, model._W, model._b, model._a, H,
                np.ascontiguousarray(model.h[None, :]), n_skip, out)
    return out.transpose(2, 0, 1)


def _start_runs(model, x, n_starts, n_each, n_skip=0):
    """Free runs of ``n_each`` recorded steps (after ``n_skip`` unrecorded ones) from ``n_starts``
    equally spaced points of x (a model with several attractors is seen from several starts):
    their latent states and observations."""
    zs = _runs_latent(model, x[::x.shape[0] // n_starts][:n_starts], n_each, n_skip)
    with np.errstate(over="ignore", invalid="ignore"):
        return list(zs), [z @ model.B.T for z in zs]


def _validation_divergence(model, x, n_bins, n_starts=8, warmup=0):
    """Mean over ``n_starts`` free runs (:func:`_start_runs`) of the state-space divergence from x
    of each run's len(x) steps after ``warmup`` discarded ones; inf if any run diverges."""
    runs = _start_runs(model, x, n_starts, x.shape[0], warmup)[1]
    if not all(np.all(np.isfinite(g)) for g in runs):
        return math.inf
    return float(np.mean([state_space_divergence(x, g, n_bins=n_bins) for g in runs]))


_LORENZ_SIGMA, _LORENZ_RHO, _LORENZ_BETA = 10.0, 28.0, 8.0 / 3.0      # the classic chaotic parameters


def _lorenz_flow(x0, n, dt, sigma=_LORENZ_SIGMA, rho=_LORENZ_RHO, beta=_LORENZ_BETA):
    """(n, 3) states x0, φ_dt(x0), ... of the Lorenz-63 flow, by :func:`lorenz63`'s integrator (RK4,
    10 sub-steps per dt): restarted from a sample of a noise-free trajectory it reproduces the rest
    of that trajectory exactly."""
    from ._lorenz import _lorenz_run
    out = np.empty((n, 3))
    _lorenz_run(np.array(x0, dtype=np.float64), dt, 10, sigma, rho, beta, out)
    return out


def lorenz63(n_steps, dt=0.01, sigma=_LORENZ_SIGMA, rho=_LORENZ_RHO, beta=_LORENZ_BETA, noise=0.0,
             t_transient=50.0, seed=None):
    r"""A Lorenz-63 trajectory :math:`\dot x = \sigma(y - x), \dot y = x(\rho - z) - y, \dot z = xy - \beta z`
    sampled every dt (RK4 with 10 sub-steps per sample), after a transient, with optional additive
    Gaussian observation noise of standard deviation ``noise`` (in units of each coordinate's
    standard deviation).  Returns an (n_steps, 3) array.  λ_max = 0.9056 per unit time (Viswanath 1998)."""
    n_steps = check_int("n_steps", n_steps, 1)
    dt = check_real("dt", dt, 0.0, low_open=True)
    noise = check_real("noise", noise, 0.0)
    rng = np.random.default_rng(check_seed("seed", seed))
    x0 = np.array([1.0, 1.0, 1.0]) + 0.1 * rng.standard_normal(3)
    n_tr = int(round(check_real("t_transient", t_transient, 0.0) / dt))
    out = _lorenz_flow(x0, n_tr + n_steps, dt, sigma, rho, beta)[n_tr:]
    if noise > 0:
        out = out + noise * out.std(axis=0) * rng.standard_normal(out.shape)
    return out


@dataclass
class Reconstruction(Result):
    r"""Output of :func:`reconstruction_measures`.

    Attributes
    ----------
    lambda_max, lambda_max_error : float
        The model's λ_max per step (QR, block error).
    lambda_data : float or None
        The data's λ_max per step, when given.
    lambda_relative_error : float or None
        :math:`|\lambda_\mathrm{model} - \lambda_\mathrm{data}|/\lambda_\mathrm{data}`.
    tau_pred, tau_pred_data : float
        Predictability times ln 2/λ_max (steps) of the model and of the data.
    state_space_divergence : float
        KL divergence of the occupation histograms (data ‖ model).
    power_spectrum_distance : float
        Hellinger distance of the power spectra.
    """

    lambda_max: float
    lambda_max_error: float
    lambda_data: object
    lambda_relative_error: object
    tau_pred: float
    tau_pred_data: object
    state_space_divergence: float
    power_spectrum_distance: float
    settings: dict
    method: str = "free-run"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics)


def free_run(model, x_init, n_steps):
    """Observations B z_t of the autonomous model started from the forced state of ``x_init``."""
    return _runs_latent(model, x_init, n_steps)[0] @ model.B.T


def reconstruction_measures(model, data, lambda_data=None, n_steps=None, t_sim=2000, n_bins=30,
                            smoothing=2.0, seed=None, n_starts=1):
    """λ_max and τ_pred of the model against the data's, the state-space divergence and the
    power-spectrum distance of a free run (``n_steps``, default the data's length, started from the
    forced state of the first data point) against the data.

    With ``n_starts`` > 1 the ``n_steps`` are split over free runs from that many equally spaced
    data points: D_stsp is that of the pooled runs and D_H their mean, so a model whose runs
    reach different attractors from different starts scores worse than its first run alone.
    λ_max is then measured from the end of every run (``diagnostics["lambda_max_starts"]`` and
    ``["lambda_max_starts_error"]``); ``lambda_max`` stays that of the first run, and a
    :class:`~meanfield.errors.MeanfieldWarning` says so when the runs disagree by more than
    5 combined standard errors and 5 % — a multistable model (say a chaotic set and a stable
    fixed point) whose occupation D_stsp may still look good.

    Parameters
    ----------
    model : PLRNN
    data : array_like (T, M)
    lambda_data : float, optional
        The data's λ_max per step (e.g. 0.9056 dt for Lorenz-63).
    t_sim : int
        Steps of the QR run for the model's λ_max (warm-up 200), started from the last latent
        state of the (first) free run.
    n_bins, smoothing
        As in :func:`state_space_divergence` and :func:`power_spectrum_distance`.
    seed : int or None
        Seed of the QR run.
    n_starts : int
        Free runs from equally spaced data points (>= 1, at most the data's length).

    Returns
    -------
    Reconstruction
    """
    from ..errors import SimulationBlowUp
    from ..lyapunov import lyapunov_spectrum
    if not isinstance(model, PLRNN):
        raise TypeError(f"model must be a meanfield.rnn.PLRNN, got {type(model).__name__}")
    x = _check_data(data, model.B.shape[0])
    n = x.shape[0] if n_steps is None else check_int("n_steps", n_steps, 2)
    n_starts = check_int("n_starts", n_starts, 1, x.shape[0])
    zs, runs = _start_runs(model, x, n_starts, max(n // n_starts, 2))
    gen = np.concatenate(runs)
    if not np.all(np.isfinite(gen)):
        raise SimulationBlowUp(float(np.argmax(~np.all(np.isfinite(gen), axis=1))),
                               "the trained model diverges in a free run; ")
    # the QR runs start where the free runs ended: on the attractors they visit (a random latent state
    # may lie outside the region the model was trained on, where a PLRNN can diverge)
    rs = [lyapunov_spectrum(model, 1, t_sim=t_sim, t_warmup=200, seed=seed, x0=z[-1], progress=False)
          for z in zs]
    r = rs[0]
    lam = np.array([q.lambda_max for q in rs])
    err = np.nan_to_num(np.array([q.lambda_max_error for q in rs]))
    diag = {"lambda_max_starts": lam.tolist(), "lambda_max_starts_error": err.tolist()}
    gap = np.abs(lam[:, None] - lam[None, :])
    if np.any((gap > 5 * np.hypot(err[:, None], err[None, :])) & (gap > 0.05 * np.max(np.abs(lam)))):
        import warnings
        from ..errors import MeanfieldWarning
        warnings.warn(f"reconstruction_measures: the free runs from the {n_starts} starts reach attractors "
                      f"with different λ_max per step ({np.array2string(lam, precision=5)}): the model is "
                      "multistable; lambda_max is that of the first start's", MeanfieldWarning, stacklevel=2)
    tp = predictability_time(r).steps
    tpd = rel = None
    if lambda_data is not None:
        lambda_data = check_real("lambda_data", lambda_data)
        tpd = predictability_time(lambda_data).steps
        rel = abs(r.lambda_max - lambda_data) / abs(lambda_data)
    return Reconstruction(r.lambda_max, r.lambda_max_error, lambda_data, rel, tp, tpd,
                          state_space_divergence(x, gen, n_bins=n_bins),
                          float(np.mean([power_spectrum_distance(x, g, smoothing=smoothing) for g in runs])),
                          {"n_steps": n, "t_sim": t_sim, "n_bins": n_bins, "smoothing": smoothing,
                           "n_starts": n_starts}, diagnostics=diag)
