r"""Diagnostics of trained networks: spectra over input sequences, predictability time, the forcing
interval of sparsely forced BPTT, and reconstruction measures.

* Predictability time [MMD22]: a small error grows like :math:`e^{\lambda_\max t}` and doubles after

  .. math:: \tau_\mathrm{pred} = \frac{\ln 2}{\lambda_\max}

  (in steps for :math:`\lambda_\max` per step; times ``dt`` in time units).  Sparsely forced
  BPTT forces the model onto the data every τ steps; [MMD22] recommend τ of the order of
  :math:`\tau_\mathrm{pred}` (:func:`forcing_interval`): much shorter and the model never learns
  to run freely, much longer and the gradients explode.
* State-space divergence: :math:`D_\mathrm{stsp} = \sum_b p_b \ln(p_b/q_b)`, the Kullback--Leibler
  divergence between the occupation histograms p (data) and q (model) on a grid of ``n_bins`` per
  dimension spanning the data (±10 %), with Laplace smoothing ``alpha`` per bin.
* Power-spectrum distance: the Hellinger distance
  :math:`D_H = \sqrt{1 - \sum_f \sqrt{p(f) q(f)}}` between normalised, Gaussian-smoothed power
  spectra (periodograms with a Hann window) of each observed dimension, averaged over dimensions
  (0: equal, 1: disjoint).
"""
import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_int, check_real
from ..results import Result, provenance, standard_diagnostics

LN2 = math.log(2.0)


def _lambda_of(result_or_lambda_max, dt):
    """(λ_max per step, its error per step) from a result or a number."""
    r = result_or_lambda_max
    if isinstance(r, (int, float, np.floating)) and not isinstance(r, bool):
        return check_real("result_or_lambda_max", float(r)), 0.0
    lam = getattr(r, "lambda_max", None)
    if lam is None:
        raise TypeError("result_or_lambda_max must be a number or a result with lambda_max "
                        f"(LyapunovResult, LyapunovMaxResult, ...), got {type(r).__name__}")
    err = float(getattr(r, "lambda_max_error", 0.0) or 0.0)
    if _per_unit_time(r):
        return float(lam) * dt, err * dt          # per unit time -> per step of length dt
    return float(lam), err


def _per_unit_time(r):
    """Whether a result's λ is per unit time (flows, continuous-time theory) rather than per step."""
    integ = getattr(r, "integrator", None)
    params = getattr(r, "parameters", None)
    if integ is None and isinstance(params, dict):
        integ = params.get("integrator")
    if integ in ("rk4", "euler"):
        return True
    if integ == "map":
        return False
    for name in ("model", "system"):
        d = getattr(r, name, None)
        if isinstance(d, dict) and d.get("time") in ("continuous", "discrete"):
            return d["time"] == "continuous"
    return True                                   # theory results without a model: continuous time


@dataclass
class PredictabilityTime(Result):
    r"""Output of :func:`predictability_time`: :math:`\tau_\mathrm{pred} = \ln 2/\lambda_\max`.

    Attributes
    ----------
    steps, steps_error : float
        τ_pred in steps (inf when λ_max <= 0: errors do not grow) and its error
        :math:`\ln 2\,\sigma_\lambda/\lambda^2`.
    time, time_error : float
        The same times ``dt``.
    lambda_max, lambda_max_error : float
        λ_max per step and its error.
    """

    steps: float
    steps_error: float
    time: float
    time_error: float
    lambda_max: float
    lambda_max_error: float
    dt: float
    method: str = "ln2/lambda_max"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics)


def predictability_time(result_or_lambda_max, dt=1.0):
    r"""Predictability time :math:`\tau_\mathrm{pred} = \ln 2 / \lambda_\max` [MMD22].

    Parameters
    ----------
    result_or_lambda_max : float or result
        λ_max per step (a number, or a result with ``lambda_max`` and ``lambda_max_error``:
        maps and trained networks give it per step; continuous-time results give it per unit
        time and are converted with ``dt``).
    dt : float
        Time per step (> 0), e.g. the sampling step of the data.

    Returns
    -------
    PredictabilityTime
    """
    dt = check_real("dt", dt, 0.0, low_open=True)
    lam, err = _lambda_of(result_or_lambda_max, dt)
    if lam <= 0:
        steps, se = math.inf, math.nan
    else:
        steps, se = LN2 / lam, LN2 * err / lam ** 2
    return PredictabilityTime(steps, se, steps * dt, se * dt, lam, err, dt)


def forcing_interval(result_or_lambda_max, dt=1.0, max_interval=None):
    r"""Forcing interval τ of sparsely forced BPTT recommended by [MMD22]: the predictability time
    in whole steps, :math:`\tau = \max(1, \mathrm{round}(\ln 2/\lambda_\max))`.

    Parameters
    ----------
    result_or_lambda_max, dt
        As in :func:`predictability_time`.
    max_interval : int, optional
        Upper bound (e.g. the training sequence length); required when λ_max <= 0, where
        τ_pred is infinite.

    Returns
    -------
    int
    """
    tp = predictability_time(result_or_lambda_max, dt)
    if max_interval is not None:
        max_interval = check_int("max_interval", max_interval, 1)
    if not math.isfinite(tp.steps):
        if max_interval is None:
            raise ValueError("lambda_max <= 0: the predictability time is infinite; give max_interval")
        return max_interval
    tau = max(1, int(round(tp.steps)))
    return tau if max_interval is None else min(tau, max_interval)


@dataclass
class InputAveragedSpectrum(Result):
    """Output of :func:`lyapunov_spectrum_inputs`: the spectrum averaged over input sequences.

    Attributes
    ----------
    exponents : ndarray (k,)
        Mean over the sequences (per step).
    spread : ndarray (k,)
        Standard deviation across sequences (ddof = 1): how much the spectrum depends on the input.
    stderr : ndarray (k,)
        Standard error of the mean, spread / sqrt(n_sequences).
    per_sequence : ndarray (n_sequences, k)
        Each sequence's exponents.
    within_stderr : ndarray (n_sequences, k)
        Each run's own block standard errors.
    """

    exponents: np.ndarray
    spread: np.ndarray
    stderr: np.ndarray
    per_sequence: np.ndarray
    within_stderr: np.ndarray
    n_sequences: int
    model: dict
    settings: dict
    method: str = "qr"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, n_evaluations=self.n_sequences)

    @property
    def lambda_max(self):
        return float(self.exponents[0])

    @property
    def lambda_max_error(self):
        return float(self.stderr[0])


def lyapunov_spectrum_inputs(model, inputs, n_exponents=None, seed=None, **kw):
    """Lyapunov spectrum of a driven RNN/PLRNN averaged over several input sequences.

    Parameters
    ----------
    model : RNN or PLRNN
    inputs : sequence of (T, n_in) arrays or callables
        At least two input sequences.
    n_exponents, seed
        As in :func:`meanfield.lyapunov_spectrum`; sequence i runs with seed ``seed + i``
        (fresh when None).
    **kw
        Passed to :func:`meanfield.lyapunov_spectrum` (t_sim, t_warmup, t_ons, ...).

    Returns
    -------
    InputAveragedSpectrum
    """
    from ..lyapunov import lyapunov_spectrum
    from .models import check_recurrent
    check_recurrent(model)
    seqs = list(inputs) if not callable(inputs) else None
    if seqs is None or len(seqs) < 2:
        raise ValueError("inputs must be a sequence of at least two input sequences")
    base = None if seed is None else check_int("seed", seed, 0)
    res = [lyapunov_spectrum(model.with_inputs(s), n_exponents, seed=None if base is None else base + i,
                             progress=kw.pop("progress", False) if i == 0 else False, **kw)
           for i, s in enumerate(seqs)]
    lam = np.array([r.exponents for r in res])
    se = np.array([r.stderr for r in res])
    spread = lam.std(axis=0, ddof=1)
    n = lam.shape[0]
    return InputAveragedSpectrum(lam.mean(axis=0), spread, spread / math.sqrt(n), lam, se, n,
                                 model.to_dict(), {"n_exponents": lam.shape[1], "seed": base,
                                                   **{k: v for k, v in kw.items()}})


# ------------------------------------------------------------------ reconstruction measures

def _as_series(name, x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"{name} must be a (T, M) array with T >= 2, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return x


def state_space_divergence(x_data, x_model, n_bins=30, alpha=1e-6):
    r"""KL divergence :math:`\sum_b p_b\ln(p_b/q_b)` between occupation histograms (module docstring).

    Parameters
    ----------
    x_data, x_model : array_like (T, M)
        Observed and generated trajectories (same M; lengths may differ).
    n_bins : int
        Bins per dimension (>= 2), on the data's range widened by 10 % each side; model points
        outside it are dropped (they lower q inside).
    alpha : float
        Laplace pseudo-count per bin (> 0), so that empty model bins give a finite divergence.

    Returns
    -------
    float
        0 for identical occupations; large when the model visits other regions.
    """
    p_x, q_x = _as_series("x_data", x_data), _as_series("x_model", x_model)
    if p_x.shape[1] != q_x.shape[1]:
        raise ValueError(f"x_data and x_model must have the same number of columns, got "
                         f"{p_x.shape[1]} and {q_x.shape[1]}")
    n_bins = check_int("n_bins", n_bins, 2)
    alpha = check_real("alpha", alpha, 0.0, low_open=True)
    lo, hi = p_x.min(axis=0), p_x.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-12)
    edges = [np.linspace(a, b, n_bins + 1) for a, b in zip(lo - pad, hi + pad)]
    p, _ = np.histogramdd(p_x, bins=edges)
    q, _ = np.histogramdd(q_x, bins=edges)
    p = (p.ravel() + alpha) / (p.sum() + alpha * p.size)
    q = (q.ravel() + alpha) / (q_x.shape[0] + alpha * q.size)
    return float(np.sum(p * np.log(p / q)))


def power_spectrum_distance(x_data, x_model, smoothing=2.0, n_freq=None):
    r"""Hellinger distance between the normalised power spectra, averaged over dimensions.

    Parameters
    ----------
    x_data, x_model : array_like (T, M)
        Trajectories (same M); both are cut to the shorter length (or ``n_freq`` points).
    smoothing : float
        Standard deviation (in frequency bins, >= 0) of the Gaussian that smooths each spectrum.

    Returns
    -------
    float in [0, 1]
    """
    from scipy.ndimage import gaussian_filter1d
    a, b = _as_series("x_data", x_data), _as_series("x_model", x_model)
    if a.shape[1] != b.shape[1]:
        raise ValueError("x_data and x_model must have the same number of columns")
    smoothing = check_real("smoothing", smoothing, 0.0)
    T = min(a.shape[0], b.shape[0]) if n_freq is None else check_int("n_freq", n_freq, 2)
    out = []
    for j in range(a.shape[1]):
        spec = []
        for x in (a[-T:, j], b[-T:, j]):
            s = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(x.size))) ** 2
            if smoothing > 0:
                s = gaussian_filter1d(s, smoothing)
            tot = s.sum()
            spec.append(s / tot if tot > 0 else np.full(s.size, 1.0 / s.size))
        bc = float(np.sum(np.sqrt(spec[0] * spec[1])))
        out.append(math.sqrt(max(0.0, 1.0 - bc)))
    return float(np.mean(out))
