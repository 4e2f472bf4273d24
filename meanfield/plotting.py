"""Figures a theorist would rather look at than read (matplotlib, imported lazily)."""
import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(4.5, 3.2), constrained_layout=True)
    return ax


def plot_spectrum(result, ax=None, normalise=True, theory=None, label=None, **kw):
    """Lyapunov spectrum against i/N (``normalise``) or i, with error bars.

    Parameters
    ----------
    result : LyapunovResult
    ax : matplotlib Axes, optional
    normalise : bool
        x axis i/N (size-invariant for extensive chaos [EWA]).
    theory : array_like, optional
        Theory values to overlay as a line (same length as the exponents).
    label : str, optional
    """
    ax = _axes(ax)
    k = result.exponents.size
    i = np.arange(1, k + 1)
    x = i / result.N if normalise else i
    ax.errorbar(x, result.exponents, yerr=result.stderr, fmt="o", ms=2.5, lw=0.8,
                label=label or "simulation (QR)", **kw)
    if theory is not None:
        ax.plot(x, np.asarray(theory), "-", lw=1.2, color="k", label="theory")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel("i / N" if normalise else "index i")
    unit = "per iteration" if result.method == "map" else r"1/$\tau$"
    ax.set_ylabel(rf"$\lambda_i$  [{unit}]")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_convergence(result, ax=None, n_show=5):
    """Running estimates of the first ``n_show`` exponents against accumulation time."""
    ax = _axes(ax)
    for j in range(min(n_show, result.history.shape[1])):
        ax.plot(result.history_times, result.history[:, j], lw=1, label=fr"$\lambda_{{{j + 1}}}$")
    ax.set_xscale("log")
    ax.set_xlabel(r"accumulation time  [$\tau$]")
    ax.set_ylabel("running estimate")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_simulation(result, ax=None, n_units=5):
    """Traces of a few recorded units and the population mean."""
    ax = _axes(ax)
    for u in range(min(n_units, result.h.shape[0])):
        ax.plot(result.times, result.h[u], lw=0.7)
    ax.plot(result.times, result.mean_input, "k", lw=1.2, label="population mean")
    ax.set_xlabel(r"time  [$\tau$]")
    ax.set_ylabel("$h_i(t)$")
    ax.legend(frameon=False, fontsize="small")
    return ax
