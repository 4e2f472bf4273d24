r"""Task training of an :class:`~meanfield.rnn.RNN` by backpropagation through time, and the
delayed-recall task of the flossing demo [Eng23].

Trials run in parallel from initial states :math:`h_0` (one row per trial),

.. math::

    h_{t+1} = (1-\alpha) h_t + \alpha\big(W\phi(h_t) + W_\mathrm{in}s_t + b\big),\qquad
    y_t = W_\mathrm{out}\,\phi(h_{t+1}),

and the loss is the masked mean squared error

.. math::

    \mathcal L = \frac{1}{n_\mathrm{out}\sum_{r,t} m_{rt}}\sum_{r,t} m_{rt}\,
    \|y_{rt} - y^*_{rt}\|^2 .

Its exact gradient is the adjoint (reverse-mode) recursion, with :math:`\bar y_t =
\partial\mathcal L/\partial y_t` and :math:`\bar h_{T} = 0`:

.. math::

    \bar h_{t+1} \mathrel{+}= \phi'(h_{t+1})\odot W_\mathrm{out}^\top\bar y_t,\qquad
    \bar W_\mathrm{out} \mathrel{+}= \bar y_t\,\phi(h_{t+1})^\top,

.. math::

    \bar W \mathrel{+}= \alpha\bar h_{t+1}\phi(h_t)^\top,\quad
    \bar W_\mathrm{in} \mathrel{+}= \alpha\bar h_{t+1}s_t^\top,\quad
    \bar b \mathrel{+}= \alpha\bar h_{t+1},\quad
    \bar h_t = (1-\alpha)\bar h_{t+1} + \alpha\,\phi'(h_t)\odot W^\top\bar h_{t+1},

summed over trials.  Through a chaotic network (:math:`\lambda_1 > 0`) :math:`\bar h` grows like
:math:`e^{\lambda_1 d}` over a delay of d steps: the exploding gradients that flossing removes.

Delayed recall (:func:`delayed_recall`): a ±1 bit :math:`s` enters on input channel 0 at step 0,
nothing else is given; after ``delay`` further steps the output must be :math:`s` (loss on that
step only).  Every trial starts from a fresh random state :math:`h_0 \sim \mathcal N(0, 1)`, so
the bit has to be carried by the dynamics; a chaotic network forgets it in a few
:math:`1/\lambda_1`, and chance accuracy is 1/2.

[Eng23] R. Engelken, *Gradient flossing: improving gradient descent through dynamic control of
Jacobians*, NeurIPS 2023.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _engine
from .._validation import check_int, check_real, check_seed
from ..results import Result, provenance
from .flossing import _Adam, _TrainedResult
from .models import RNN


@dataclass
class Trials:
    """A batch of trials: ``inputs`` (n, T, n_in), ``targets`` (n, T, n_out), ``mask`` (n, T)
    (weight of each step in the loss), ``h0`` (n, N) initial states (None: drawn by the user of
    the batch), ``labels`` (n,) the task's ground truth (e.g. the bit)."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    labels: np.ndarray


def delayed_recall(n_trials, delay, seed=None):
    r"""Trials of the delayed-recall task (module docstring): T = delay + 1 steps.

    Parameters
    ----------
    n_trials : int
    delay : int
        Steps between the bit (step 0) and the step whose output is scored (>= 1).
    seed : int or None

    Returns
    -------
    Trials
        One input channel, one output; ``mask`` is 1 on the last step only.
    """
    n_trials = check_int("n_trials", n_trials, 1)
    delay = check_int("delay", delay, 1)
    rng = np.random.default_rng(check_seed("seed", seed))
    bits = rng.choice(np.array([-1.0, 1.0]), n_trials)
    T = delay + 1
    inputs = np.zeros((n_trials, T, 1))
    inputs[:, 0, 0] = bits
    targets = np.zeros((n_trials, T, 1))
    targets[:, -1, 0] = bits
    mask = np.zeros((n_trials, T))
    mask[:, -1] = 1.0
    return Trials(inputs, targets, mask, bits)


def _check_trials(model, trials, W_out, h0):
    if not isinstance(trials, Trials):
        raise TypeError(f"trials must be a meanfield.rnn.tasks.Trials, got {type(trials).__name__}")
    n, T, n_in = trials.inputs.shape
    if model.W_in is None or model.W_in.shape[1] != n_in:
        raise ValueError(f"the model needs W_in with {n_in} input columns for these trials")
    W_out = np.asarray(W_out, dtype=np.float64)
    if W_out.ndim != 2 or W_out.shape != (trials.targets.shape[2], model.N):
        raise ValueError(f"W_out must have shape (n_out = {trials.targets.shape[2]}, N = {model.N}), "
                         f"got {W_out.shape}")
    h0 = np.asarray(h0, dtype=np.float64)
    if h0.shape != (n, model.N):
        raise ValueError(f"h0 must have shape (n_trials = {n}, N = {model.N}), got {h0.shape}")
    return W_out, h0


def task_loss(model, trials, W_out, h0):
    r"""Masked mean squared error of the readout and its exact BPTT gradient (module docstring).

    Parameters
    ----------
    model : RNN
        With ``W_in`` (the ``inputs`` attribute is not used: the trials carry the inputs).
    trials : Trials
    W_out : array_like (n_out, N)
        Readout.
    h0 : array_like (n_trials, N)
        Initial states.

    Returns
    -------
    loss : float
    grads : dict
        ``W``, ``W_in``, ``bias``, ``W_out``.
    outputs : ndarray (n_trials, T, n_out)
    """
    if not isinstance(model, RNN):
        raise TypeError(f"model must be a meanfield.rnn.RNN, got {type(model).__name__}")
    W_out, h0 = _check_trials(model, trials, W_out, h0)
    S, Y, mask = trials.inputs, trials.targets, trials.mask
    n, T, _ = S.shape
    a, W, Win, bias = model.leak, model.W, model.W_in, model.bias
    f = model.nonlinearity
    H = np.empty((T + 1, n, model.N))
    H[0] = h0
    for t in range(T):
        H[t + 1] = (1 - a) * H[t] + a * (f(H[t]) @ W.T + S[:, t] @ Win.T + bias)
    if not np.all(np.isfinite(H[-1])):
        from ..errors import SimulationBlowUp
        raise SimulationBlowUp(float(T), "the RNN diverged on the task trials; ")
    R = f(H[1:])                                           # (T, n, N)
    out = np.einsum("tnj,oj->nto", R, W_out)
    wsum = float(mask.sum()) * Y.shape[2]
    err = (out - Y) * mask[:, :, None]
    loss = float(np.sum(err * (out - Y))) / wsum
    ybar = 2.0 * err / wsum                                # (n, T, n_out)
    g = {"W": np.zeros_like(W), "W_in": np.zeros_like(Win), "bias": np.zeros_like(bias),
         "W_out": np.einsum("nto,tnj->oj", ybar, R)}
    hbar = np.zeros((n, model.N))
    for t in range(T - 1, -1, -1):
        hbar += f.derivative(H[t + 1]) * (ybar[:, t] @ W_out)
        u = a * hbar
        g["W"] += u.T @ f(H[t])
        g["W_in"] += u.T @ S[:, t]
        g["bias"] += u.sum(axis=0)
        hbar = (1 - a) * hbar + a * f.derivative(H[t]) * (hbar @ W)
    return loss, g, out


@dataclass
class TaskResult(_TrainedResult, Result):
    """Output of :func:`train_task`.

    Attributes
    ----------
    model : RNN
        The trained network.
    W_out : ndarray (n_out, N)
        The trained readout.
    loss_history, accuracy_history : ndarray (steps,)
        Batch loss and accuracy (sign of the scored output against ``labels``) before each update.
    """

    _ARRAYS = ("loss_history", "accuracy_history", "W_out")

    loss_history: np.ndarray
    accuracy_history: np.ndarray
    W_out: np.ndarray
    parameters: dict
    settings: dict
    model: object = None
    method: str = "bptt-adam"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)


def recall_accuracy(outputs, trials):
    """Fraction of trials whose scored output (last masked step) has the sign of ``labels``."""
    last = np.asarray(trials.mask).shape[1] - 1 - np.argmax(np.asarray(trials.mask)[:, ::-1] > 0, axis=1)
    y = outputs[np.arange(outputs.shape[0]), last, 0]
    return float(np.mean(np.sign(y) == trials.labels))


def train_task(model, delay, steps=500, batch=32, lr=1e-3, W_out=None, seed=None,
               params=("W", "W_in", "bias", "W_out"), max_grad_norm=1.0, h0_scale=1.0, progress=True):
    r"""Train an RNN on :func:`delayed_recall` by BPTT (exact gradient, :func:`task_loss`) with Adam.

    Parameters
    ----------
    model : RNN
        Initial network; it needs ``W_in`` with one column (e.g. ``RNN(W, W_in=...)``).
    delay : int
        Delay of the task (steps).
    steps : int
        Adam updates, each on a fresh batch of trials and fresh initial states.
    batch : int
        Trials per update.
    lr : float
        Adam learning rate.
    W_out : array_like (1, N), optional
        Initial readout (default zeros).
    seed : int or None
        Seed of the trials and initial states.
    params : sequence of str
        Arrays to train (subset of ``W``, ``W_in``, ``bias``, ``W_out``).
    max_grad_norm : float or None
        Rescale each gradient (all trained arrays together) to at most this norm (default 1;
        None: no clipping).
    h0_scale : float
        Standard deviation of the random initial states (>= 0).

    Returns
    -------
    TaskResult
    """
    if not isinstance(model, RNN):
        raise TypeError(f"model must be a meanfield.rnn.RNN, got {type(model).__name__}")
    if model.W_in is None or model.W_in.shape[1] != 1:
        raise ValueError("model needs W_in of shape (N, 1) for the delayed-recall task")
    delay = check_int("delay", delay, 1)
    steps = check_int("steps", steps, 1)
    batch = check_int("batch", batch, 1)
    lr = check_real("lr", lr, 0.0, low_open=True)
    h0_scale = check_real("h0_scale", h0_scale, 0.0)
    if max_grad_norm is not None:
        max_grad_norm = check_real("max_grad_norm", max_grad_norm, 0.0, low_open=True)
    params = tuple(params)
    for p in params:
        if p not in ("W", "W_in", "bias", "W_out"):
            raise ValueError(f"params: {p!r} is not trainable here; "
                             "choose from ['W', 'W_in', 'bias', 'W_out']")
    W_out = np.zeros((1, model.N)) if W_out is None else np.array(W_out, dtype=np.float64)
    ss = check_seed("seed", seed)
    seqs = ss.spawn(steps)
    opt = _Adam(lr)
    loss_h, acc_h = np.empty(steps), np.empty(steps)
    bar = _engine.progress_bar(steps, "task BPTT", progress, unit="update")
    for i in range(steps):
        c_tr, c_h0 = seqs[i].spawn(2)
        tr = delayed_recall(batch, delay, seed=c_tr)
        h0 = h0_scale * np.random.default_rng(c_h0).standard_normal((batch, model.N))
        loss, g, out = task_loss(model, tr, W_out, h0)
        loss_h[i], acc_h[i] = loss, recall_accuracy(out, tr)
        if max_grad_norm is not None:
            nrm = math.sqrt(sum(float(np.sum(g[p] ** 2)) for p in params))
            if nrm > max_grad_norm:
                g = {p: g[p] * (max_grad_norm / nrm) for p in params}
        cur = {p: (W_out if p == "W_out" else getattr(model, p)) for p in params}
        new = opt.step(cur, g)
        if "W_out" in new:
            W_out = new.pop("W_out")
        if new:
            model = model.replace(**new)
        bar.update(1)
    bar.close()
    return TaskResult(loss_h, acc_h, W_out, model.parameters(),
                      {"task": "delayed_recall", "delay": delay, "steps": steps, "batch": batch, "lr": lr,
                       "seed": int(ss.entropy), "params": list(params), "max_grad_norm": max_grad_norm,
                       "h0_scale": h0_scale}, model=model)


def evaluate_recall(model, W_out, delay, n_trials=1000, h0_scale=1.0, seed=None):
    """Loss and accuracy of ``model`` with readout ``W_out`` on fresh delayed-recall trials.

    Returns
    -------
    (loss, accuracy, accuracy_stderr)
        The standard error is the binomial :math:`\\sqrt{p(1-p)/n}`.
    """
    n_trials = check_int("n_trials", n_trials, 1)
    c_tr, c_h0 = check_seed("seed", seed).spawn(2)
    tr = delayed_recall(n_trials, delay, seed=c_tr)
    h0_scale = check_real("h0_scale", h0_scale, 0.0)
    h0 = h0_scale * np.random.default_rng(c_h0).standard_normal((n_trials, model.N))
    loss, _, out = task_loss(model, tr, W_out, h0)
    acc = recall_accuracy(out, tr)
    return loss, acc, math.sqrt(acc * (1 - acc) / n_trials)
