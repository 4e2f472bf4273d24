"""Figures a theorist would rather look at than read (matplotlib, imported lazily)."""
import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(4.5, 3.2), constrained_layout=True)
    return ax


def plot_spectrum(result, ax=None, normalise=True, theory=None, label=None, **kw):
    r"""Lyapunov spectrum against i/N (``normalise``) or i, with error bars.

    Parameters
    ----------
    result : LyapunovResult
    ax : matplotlib Axes, optional
    normalise : bool
        x axis i/N (size-invariant for extensive chaos [EWA]).
    theory : array_like or RMTSpectrum, optional
        Theory to overlay as a line: values of the same length as the exponents, or a
        random-matrix result (:func:`meanfield.rmt.lyapunov_spectrum`), drawn as its N → ∞
        quantile curve :math:`\lambda(u)` over the plotted range of u = i/N (labelled with its
        method).
    label : str, optional
    """
    ax = _axes(ax)
    k = result.exponents.size
    i = np.arange(1, k + 1)
    x = i / result.N if normalise else i
    ax.errorbar(x, result.exponents, yerr=result.stderr, fmt="o", ms=2.5, lw=0.8,
                label=label or "simulation (QR)", **kw)
    if theory is not None and hasattr(theory, "quantile"):
        u = np.linspace(0.5 / result.N, (k - 0.5) / result.N, 400)
        ax.plot(u if normalise else u * result.N, theory.quantile(u), "-", lw=1.2, color="k",
                label=f"theory ({theory.method})")
    elif theory is not None:
        ax.plot(x, np.asarray(theory), "-", lw=1.2, color="k", label="theory")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel("i / N" if normalise else "index i")
    unit = "per iteration" if result.integrator == "map" else r"1/$\tau$"
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


_PARAM_LABEL = {"frequency": r"input frequency $f$  [1/$\tau$]", "g": "coupling gain $g$",
                "N": "network size $N$", "K": "tightness of balance $K$"}


def _corr_label(c):
    return c if isinstance(c, str) else f"c = {c:g}"


def _corr_colour(diagram_corrs, c, i):
    fixed = {"common": "C3", "independent": "C0"}
    return fixed.get(c, f"C{(i + 2) % 10}")


def _plain_log_ticks(ax):
    # 300 rather than 3x10^2 on log axes
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_formatter(NullFormatter())


def plot_phase_diagram(diagram, ax=None, correlation=None, heatmap=None, simulation=None, xscale=None,
                       yscale=None, cmap="RdBu_r", colorbar=True, label=None):
    r"""Chaos-suppression phase diagram: λ_max heat map and critical curve(s) I1_c.

    Parameters
    ----------
    diagram : PhaseDiagram
        Theory (or simulation) diagram; its critical curve is drawn as a line.
    ax : matplotlib Axes, optional
    correlation : str or float, optional
        Draw only this correlation (default all).
    heatmap : bool, optional
        λ_max as a colour map centred on 0 (default: when one correlation is drawn).
    simulation : PhaseDiagram or sequence of PhaseDiagram, optional
        Critical amplitudes from simulation, drawn as dots with error bars in
        the colour of their correlation.
    xscale, yscale : {"linear", "log"}, optional
        Default log-log for N or K axes (I1_c ~ sqrt(N) is a line), else linear.
    cmap : str
        Colour map of the heat map.
    colorbar : bool
        Add a colour bar (λ_max in 1/τ).
    label : str, optional
        Legend prefix of the theory curves (default "theory" or "simulation").

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.colors import TwoSlopeNorm
    ax = _axes(ax)
    idx = range(len(diagram.correlations)) if correlation is None else [diagram._ic(correlation)]
    if heatmap is None:
        heatmap = len(idx) == 1
    logx = diagram.parameter in ("N", "K")
    xscale = xscale or ("log" if logx else "linear")
    yscale = yscale or ("log" if logx and not heatmap else "linear")
    x, a = np.asarray(diagram.values, float), np.asarray(diagram.amplitudes, float)
    if heatmap:
        if len(idx) != 1:
            raise ValueError("heatmap=True needs a single correlation; pass correlation=...")
        lam = diagram.lambda_max[idx[0]].T
        finite = lam[np.isfinite(lam)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
        norm = TwoSlopeNorm(0.0, min(lo, -1e-12), max(hi, 1e-12))
        mesh = ax.pcolormesh(x, a, lam, shading="nearest", cmap=cmap, norm=norm, rasterized=True)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, label=r"$\lambda_\mathrm{max}$  [1/$\tau$]")
    prefix = label or ("theory" if diagram.method == "dmft" else "simulation")
    for i in idx:
        c = diagram.correlations[i]
        col = "k" if heatmap else _corr_colour(diagram.correlations, c, i)
        crit = diagram.critical_amplitude[i]
        ax.plot(x, crit, "-", color=col, lw=1.5, label=f"{prefix}, {_corr_label(c)}")
    sims = simulation if isinstance(simulation, (list, tuple)) else [simulation]
    sims = [s for s in sims if s is not None]
    for s in sims:
        for j, c in enumerate(s.correlations):
            if correlation is not None and s._ic(correlation) != j:
                continue
            col = "k" if heatmap else _corr_colour(s.correlations, c, j)
            ax.errorbar(s.values, s.critical_amplitude[j], yerr=s.critical_amplitude_error[j], fmt="o", ms=4,
                        mfc="white", color=col, lw=1, capsize=2, label=f"simulation, {_corr_label(c)}")
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    _plain_log_ticks(ax)
    ax.set_xlabel(_PARAM_LABEL[diagram.parameter])
    ax.set_ylabel(r"input amplitude $I_1$")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_lambda_amplitude(results, ax=None, value=None, labels=None, mark_critical=True):
    r"""λ_max against input amplitude I1: theory as lines, simulation as dots with error bars.

    Parameters
    ----------
    results : PhaseDiagram, CriticalAmplitude or a sequence of them
        Theory diagrams (method "dmft") are drawn as lines, simulation
        results as dots with standard errors; colours follow the correlation.
    ax : matplotlib Axes, optional
    value : float, optional
        Parameter value of the diagrams' column to draw (default the first).
    labels : sequence of str, optional
        Legend prefixes, one per result.
    mark_critical : bool
        Mark the critical amplitudes on the zero line.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    results = results if isinstance(results, (list, tuple)) else [results]
    for k, r in enumerate(results):
        theory = r.method == "dmft"
        prefix = labels[k] if labels is not None else ("theory" if theory else "simulation")
        if hasattr(r, "lambda_curve"):
            curves = []
            for i, c in enumerate(r.correlations):
                a, lam, se = r.lambda_curve(value, c)
                j = 0 if value is None else int(np.argmin(np.abs(r.values - value)))
                curves.append((c, i, a, lam, se, r.critical_amplitude[i, j],
                               r.critical_amplitude_error[i, j]))
        else:
            o = np.argsort(r.amplitudes)
            curves = [(r.correlation, 0, r.amplitudes[o], r.lambda_max[o], r.lambda_max_error[o], r.amplitude,
                       r.amplitude_error)]
        for c, i, a, lam, se, crit, cse in curves:
            col = _corr_colour(None, c, i)
            lab = f"{prefix}, {_corr_label(c)}"
            if theory:
                ax.plot(a, lam, "-", color=col, lw=1.5, label=lab)
            else:
                ax.errorbar(a, lam, yerr=se, fmt="o", ms=4, mfc="white", color=col, lw=1, capsize=2,
                            label=lab)
            if mark_critical and np.isfinite(crit):
                ax.errorbar([crit], [0.0], xerr=None if theory else [cse], fmt="|" if theory else "x",
                            ms=10, color=col, lw=1)
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel(r"input amplitude $I_1$")
    ax.set_ylabel(r"$\lambda_\mathrm{max}$  [1/$\tau$]")
    ax.legend(frameon=False, fontsize="small")
    return ax
