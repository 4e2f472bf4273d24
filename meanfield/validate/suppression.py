r"""Chaos suppression by common and independent sinusoidal input at the parameters of [EIKGA].

Balanced ReLU network (physics.md §1.2), g = 2, J0 = I0 = 1, K = N, input
:math:`\delta I_i = I_1\sin(2\pi f t + \theta_i)` with f = 0.2 / τ: the same phase for every
unit (common, c = 1) or iid uniform phases (independent, c = 0).  Four cases, declared as data
like the rest of :mod:`meanfield.validate.cases`:

``suppression-lambda``
    λ_max(I1) at N = 5000: DMFT lines (continuous time, :func:`meanfield.dmft.solve`), simulated
    points with standard errors over network realisations.
``suppression-size``
    I1_c against N (theory, N = 500 … 20000): √N growth for common input, flat for independent.
``suppression-frequency-g``
    I1_c against f and against g (theory).
``suppression-gap``
    The 9 % / 12 % gap between simulated and DMFT critical amplitudes at N = 5000, decomposed.
    At an amplitude next to the theory's crossing, λ_sim − λ_th splits exactly into

    .. math::

        \lambda_\mathrm{sim}^{T,\mathrm{raw}} - \lambda_\mathrm{th}
        = \underbrace{(\lambda^{T,\mathrm{raw}} - \lambda^{T})}_{\text{estimator}}
        + \underbrace{(\lambda^{T}_N - \lambda^{T}_\infty)}_{\text{finite }N}
        + \underbrace{(\lambda^{T}_\infty - \lambda_\mathrm{th}^{\Delta})}_{\text{remainder}}
        + \underbrace{(\lambda_\mathrm{th}^{\Delta} - \lambda_\mathrm{th})}_{\text{time step}},

    where :math:`\lambda^{T,\mathrm{raw}}` is the two-trajectory estimate over the whole
    accumulation time T (the old script's estimator: the random initial separation first has to
    align with the leading Lyapunov vector, which costs a finite log-growth and biases λ by
    O(1/T)), :math:`\lambda^{T}` the same run without its first ``t_skip`` τ, :math:`\lambda_\infty`
    the fit :math:`\lambda_N = \lambda_\infty + a/N` over the simulated sizes,
    :math:`\lambda_\mathrm{th}^{\Delta}` the DMFT of the Euler map at Δ = dt
    (:func:`meanfield.dmft.solve_nonstationary`, order 1: the exact N → ∞ theory of the map the
    simulation integrates) and :math:`\lambda_\mathrm{th}` the continuous-time DMFT.  Each term
    becomes an amplitude shift through the theory slope dλ/dI1 at the crossing.  The step term is
    also measured in simulation (Euler against RK4 on the same networks and initial states).

Time is in units of τ, λ in 1/τ, amplitudes in units of the input current h.
"""
import math
import time

import numpy as np

__all__ = ["POINTS", "CASES"]

G, J0, I0, F = 2.0, 1.0, 1.0, 0.2
CORRS = ("common", "independent")
COLOURS = {"common": "C3", "independent": "C0"}      # one colour per correlation in every figure


# ---------------------------------------------------------------- point functions (JSON in, JSON out)

def _balanced(N, amplitude=0.0, correlation="common", frequency=F, g=G, seed=None):
    import meanfield as mf
    inp = None if amplitude == 0 else mf.SineInput(amplitude, frequency, correlation)
    return mf.BalancedNetwork(N, g, J0, I0, seed=seed, input=inp)


def pt_suppression_sim(N, amplitude, correlation, net_seed, run_seed, dt=0.05, integrator="euler",
                       t_sim=120.0, t_warmup=30.0, t_skip=20.0, frequency=F, g=G):
    r"""Two-trajectory λ_max of one network realisation, with and without its first ``t_skip`` τ.

    Returns ``lambda_raw`` (ln growth over the whole T / T, the estimator of the old script),
    ``lambda_max`` (the increments after ``t_skip``: the separation has aligned with the leading
    Lyapunov vector), its block standard error ``lambda_max_error`` (10 blocks) and the CPU time.
    """
    import meanfield as mf
    t0 = time.process_time()
    r = mf.lyapunov_max(_balanced(N, amplitude, correlation, frequency, g, net_seed), t_sim=t_sim,
                        t_warmup=t_warmup, dt=dt, integrator=integrator, seed=run_seed, threads=1,
                        progress=False)
    times, cum = r.history_times, r.history * r.history_times
    if not np.allclose(np.diff(times), r.t_ons):
        raise ValueError("history must hold every re-normalisation for the skip estimate")
    inc = np.diff(np.concatenate([[0.0], cum]))             # ln(d/d0) per t_ons
    keep = inc[int(round(t_skip / r.t_ons)):]
    blocks = np.array([b.mean() / r.t_ons for b in np.array_split(keep, 10)])
    return {"lambda_raw": float(r.lambda_max), "lambda_raw_error": float(r.lambda_max_error),
            "lambda_max": float(keep.mean() / r.t_ons),
            "lambda_max_error": float(blocks.std(ddof=1) / math.sqrt(blocks.size)),
            "cpu_seconds": time.process_time() - t0}


def pt_suppression_theory(N, amplitude, correlation, dt=None, frequency=F, g=G):
    r"""DMFT λ_max: continuous time (``dt=None``, :func:`meanfield.dmft.solve`) or the exact DMFT of
    the Euler map with step ``dt`` (two-time solver, order 1, T = 512 τ, band 32 τ)."""
    from meanfield import dmft
    t0 = time.process_time()
    m = _balanced(N, amplitude, correlation, frequency, g)
    if dt is None:
        r = dmft.solve(m)
    else:
        r = dmft.solve(m, method="nonstationary", dt=dt, n_steps=int(round(512 / dt)),
                       band=int(round(32 / dt)), order=1)
    return {"lambda_max": float(r.lambda_max), "lambda_max_error": float(r.lambda_max_error),
            "method": r.method, "cpu_seconds": time.process_time() - t0}


def pt_suppression_critical(N, correlation, frequency=F, g=G):
    """DMFT critical amplitude (:func:`meanfield.critical_amplitude`, Brent), its error and slope.

    A theory failure (no convergence, no sign change) is returned as NaN with its message, so one
    failed point does not stop a sweep."""
    import meanfield as mf
    t0 = time.process_time()
    try:
        r = mf.critical_amplitude(_balanced(N, g=g), frequency, correlation, method="dmft")
    except mf.MeanfieldError as exc:
        return {"amplitude": math.nan, "amplitude_error": math.nan, "slope": math.nan,
                "error": f"{type(exc).__name__}: {exc}", "cpu_seconds": time.process_time() - t0}
    return {"amplitude": float(r.amplitude), "amplitude_error": float(r.amplitude_error),
            "slope": float(r.slope), "cpu_seconds": time.process_time() - t0}


POINTS = {"suppression_sim": pt_suppression_sim, "suppression_theory": pt_suppression_theory,
          "suppression_critical": pt_suppression_critical}


def _pt(fn, **args):
    return {"fn": fn, "args": args}


def _amp(N, corr):
    """Amplitude next to the theory crossing: 4.0 (independent; I1_c = 4.13 … 4.00 for N = 1000 …
    5000) and 0.9 √N I0 (common; I1_c ≈ 0.90–0.93 √N there)."""
    return 4.0 if corr == "independent" else round(0.9 * math.sqrt(N) * I0, 4)


def _seeds(p, corr):
    """Run seeds per N: ``n_real`` (or ``n_real_<correlation>``), each entry a count (seeds 0 … n−1)
    or an explicit list of seeds."""
    n = p.get(f"n_real_{corr}", p["n_real"])
    return [list(range(k)) if np.ndim(k) == 0 else list(k) for k in ([n] if np.ndim(n) == 0 else n)]


def _sizes(p, corr):
    """Network sizes of the gap case per correlation (``Ns`` or ``Ns_<correlation>``)."""
    return list(p.get(f"Ns_{corr}", p["Ns"]))


def _step_seeds(p, corr):
    """Seeds of the Euler/RK4 pairs of the step check (``step_seeds`` or ``step_seeds_<correlation>``)."""
    return list(p.get(f"step_seeds_{corr}", p["step_seeds"]))


def _chaotic_amp(N, corr):
    """An amplitude on the chaotic side, 1/8 of I1_c below the crossing: 3.5 and 0.8 √N I0."""
    return 3.5 if corr == "independent" else round(0.8 * math.sqrt(N) * I0, 4)


def _sim(N, amp, corr, s, p, integrator="euler"):
    corr = "common" if amp == 0 else corr
    return _pt("suppression_sim", N=N, amplitude=amp, correlation=corr, net_seed=100 + s, run_seed=s,
               dt=p["dt"], integrator=integrator, t_sim=p["t_sim"], t_warmup=p["t_warmup"],
               t_skip=p["t_skip"])


# ---------------------------------------------------------------- the gap

def _gap_points(p):
    """(tag, spec) pairs; the tags let ``combine`` find its points."""
    out = []
    for corr in CORRS:
        out.append((("crit", corr), _pt("suppression_critical", N=p["N_paper"], correlation=corr)))
        # the theory on the chaotic side of the crossing, for the slope that turns λ into I1
        ac = _chaotic_amp(p["N_paper"], corr)
        out.append((("thc", corr), _pt("suppression_theory", N=p["N_paper"], amplitude=ac, correlation=corr)))
        for N, n in zip(_sizes(p, corr), _seeds(p, corr)):
            a = _amp(N, corr)
            out.append((("th", corr, N), _pt("suppression_theory", N=N, amplitude=a, correlation=corr)))
            euler = _pt("suppression_theory", N=N, amplitude=a, correlation=corr, dt=p["dt"])
            out.append((("thE", corr, N), euler))
            out += [(("sim", corr, N, s), _sim(N, a, corr, s, p)) for s in n]
        N = p["N_step"]
        out += [(("rk4", corr, N, s), _sim(N, _amp(N, corr), corr, s, p, "rk4"))
                for s in _step_seeds(p, corr)]
    return out


def _gap_plan(p):
    return [spec for _, spec in _gap_points(p)]


def _mean_se(v, errors=None):
    """Mean and its standard error over realisations (one realisation: its own block error)."""
    v = np.asarray(v, dtype=float)
    if v.size == 1:
        return float(v[0]), (math.nan if errors is None else float(errors[0]))
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))


def _fit_inverse(Ns, means, ses, power=1.0):
    """Weighted fit λ_N = λ_∞ + a / N^power; returns λ_∞, its SE (scaled by √χ²_red when > 1), a, χ²_red."""
    x = 1.0 / np.asarray(Ns, float) ** power
    w = 1.0 / np.asarray(ses) ** 2
    A = np.stack([np.ones_like(x), x], 1)
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    beta = cov @ (A.T @ (w * np.asarray(means)))
    dof = max(1, x.size - 2)
    chi2 = float(np.sum(w * (np.asarray(means) - A @ beta) ** 2)) / dof
    return float(beta[0]), float(math.sqrt(cov[0, 0] * max(1.0, chi2))), float(beta[1]), chi2


def gap_decomposition(p, results):
    """The decomposition of the module docstring, per correlation, from the gap case's points.

    Returns ``{corr: {...}}`` with every term in λ (1/τ) and in I1 (term / |slope|, input units),
    their standard errors, and the inputs (per-N means, fits, theory values).
    """
    res = dict(zip([t for t, _ in _gap_points(p)], results))
    out = {}
    Nb = p["N_paper"]
    for corr in CORRS:
        crit = res[("crit", corr)]
        # λ_th(I1) has a kink at the crossing (independent input: the chaotic branch is much flatter
        # than the periodic one), and a simulation below the theory crosses zero on the chaotic side:
        # λ offsets become amplitude shifts through the chaotic-side secant slope
        thc, th_b = res[("thc", corr)], res[("th", corr, Nb)]
        slope = abs((thc["lambda_max"] - th_b["lambda_max"]) / (_chaotic_amp(Nb, corr) - _amp(Nb, corr)))
        per_N = {}
        for N, n in zip(_sizes(p, corr), _seeds(p, corr)):
            sims = [res[("sim", corr, N, s)] for s in n]
            lam, se = _mean_se([r["lambda_max"] for r in sims])
            raw, raw_se = _mean_se([r["lambda_raw"] for r in sims])
            bias, bias_se = _mean_se([r["lambda_raw"] - r["lambda_max"] for r in sims])
            th, thE = res[("th", corr, N)], res[("thE", corr, N)]
            per_N[N] = dict(amplitude=_amp(N, corr), lam=lam, se=se, raw=raw, raw_se=raw_se, bias=bias,
                            bias_se=bias_se, theory=th["lambda_max"], theory_error=th["lambda_max_error"],
                            theory_euler=thE["lambda_max"], theory_euler_error=thE["lambda_max_error"],
                            samples=[r["lambda_max"] for r in sims])
        # λ relative to the Euler-map DMFT at each N (the amplitude, and with it the theory, moves with N
        # for common input), extrapolated in 1/N
        Ns = _sizes(p, corr)
        d = [per_N[N]["lam"] - per_N[N]["theory_euler"] for N in Ns]
        d_se = [math.hypot(per_N[N]["se"], per_N[N]["theory_euler_error"]) for N in Ns]
        rem, rem_se, a, chi2 = _fit_inverse(Ns, d, d_se, 1.0)
        rem_h, rem_h_se, a_h, chi2_h = _fit_inverse(Ns, d, d_se, 0.5)
        b = per_N[Nb]
        # λ_N − λ_∞ at the paper's N, including the fit residual there, so the terms add up exactly
        finite_N = (b["lam"] - b["theory_euler"]) - rem
        finite_N_se = math.hypot(math.hypot(b["se"], b["theory_euler_error"]), rem_se)
        # step effect in simulation: RK4 (step error O(dt^4), negligible) against Euler, same networks
        Ns_ = p["N_step"]
        pairs = [res[("sim", corr, Ns_, s)]["lambda_max"] - res[("rk4", corr, Ns_, s)]["lambda_max"]
                 for s in _step_seeds(p, corr)]
        step_sim, step_sim_se = _mean_se(pairs)
        bs = per_N[Ns_]
        step_th = bs["theory_euler"] - bs["theory"]
        step_th_se = math.hypot(bs["theory_euler_error"], bs["theory_error"])
        terms = {
            "total": (b["raw"] - b["theory"], math.hypot(b["raw_se"], b["theory_error"])),
            "estimator": (b["bias"], b["bias_se"]),
            "finite_N": (finite_N, finite_N_se),
            "remainder": (rem, rem_se),
            "time_step": (b["theory_euler"] - b["theory"], math.hypot(b["theory_euler_error"],
                                                                      b["theory_error"])),
        }
        out[corr] = dict(
            slope=-slope, slope_crossing=crit["slope"], critical_theory=crit["amplitude"],
            critical_theory_error=crit["amplitude_error"],
            per_N=per_N, fit=dict(remainder=rem, se=rem_se, a=a, chi2_red=chi2),
            fit_sqrt=dict(remainder=rem_h, se=rem_h_se, a=a_h, chi2_red=chi2_h),
            step_sim=step_sim, step_sim_se=step_sim_se, step_th=step_th, step_th_se=step_th_se,
            step_N=Ns_, terms={k: dict(lam=v, lam_se=e, amplitude=v / slope,
                                       amplitude_se=e / slope)
                               for k, (v, e) in terms.items()})
    return out


def _gap_combine(p, results):
    dec = gap_decomposition(p, results)
    rows = []
    for corr in CORRS:
        d = dec[corr]
        f = d["fit"]
        rows.append(dict(theory=0.0, simulation=f["remainder"], stderr=f["se"], tolerance=3 * f["se"],
                         extra={"correlation": corr, "fit_a": f["a"], "chi2_red": f["chi2_red"],
                                "remainder_sqrtN_fit": d["fit_sqrt"]["remainder"]}))
        se = math.hypot(d["step_sim_se"], d["step_th_se"])
        rows.append(dict(theory=d["step_th"], simulation=d["step_sim"], stderr=se, tolerance=3 * se,
                         extra={"correlation": corr, "N": d["step_N"]}))
        for k in ("total", "estimator", "finite_N", "time_step", "remainder"):
            t = d["terms"][k]
            rows.append(dict(simulation=100 * t["amplitude"] / d["critical_theory"],
                             extra={"correlation": corr, "lambda": t["lam"], "lambda_se": t["lam_se"],
                                    "amplitude_shift": t["amplitude"]}))
    return rows


# ---------------------------------------------------------------- λ_max(I1) at the paper's N

def _th(N, amp, corr, **kw):
    return _pt("suppression_theory", N=N, amplitude=amp, correlation="common" if amp == 0 else corr, **kw)


def _lambda_amps(p, corr, kind):
    """Amplitudes of the theory curve (``kind="th"``) or the simulation points (``"sim"``)."""
    N = p["N"]
    if corr == "independent":
        return p[f"{kind}_independent"]
    return [round(x * math.sqrt(N) * I0, 4) for x in p[f"{kind}_common"]]


def _near_seeds(q, corr, N):
    """The gap case's seeds at size N."""
    return _seeds(q, corr)[_sizes(q, corr).index(N)]


def _lambda_points(p):
    out = []
    for corr in CORRS:
        out += [(("th", corr, a), _th(p["N"], a, corr)) for a in _lambda_amps(p, corr, "th")]
        out.append((("crit", corr), _pt("suppression_critical", N=p["N"], correlation=corr)))
        for a in _lambda_amps(p, corr, "sim"):
            # next to the crossing: the gap case's realisations and run length (shared points)
            q = p["near"] if a == _amp(p["N"], corr) else p
            n = _near_seeds(q, corr, p["N"]) if a == _amp(p["N"], corr) else _seeds(q, corr)[0]
            out += [(("sim", corr, a, s), _sim(p["N"], a, corr, s, q)) for s in n]
    return out


def _lambda_plan(p):
    return [spec for _, spec in _lambda_points(p)]


def _lambda_data(p, results):
    res = dict(zip([t for t, _ in _lambda_points(p)], results))
    out = {}
    for corr in CORRS:
        ta = _lambda_amps(p, corr, "th")
        sa = _lambda_amps(p, corr, "sim")
        sims = []
        for a in sa:
            q = p["near"] if a == _amp(p["N"], corr) else p
            n = _near_seeds(q, corr, p["N"]) if a == _amp(p["N"], corr) else _seeds(q, corr)[0]
            runs = [res[("sim", corr, a, s)] for s in n]
            raw = float(np.mean([r["lambda_raw"] for r in runs]))
            m_se = _mean_se([r["lambda_max"] for r in runs], [r["lambda_max_error"] for r in runs])
            sims.append(m_se + (raw,))
        out[corr] = dict(th_amps=ta, th=[res[("th", corr, a)]["lambda_max"] for a in ta], sim_amps=sa,
                         sim=[x[0] for x in sims], sim_se=[x[1] for x in sims], sim_raw=[x[2] for x in sims],
                         crit=res[("crit", corr)])
    return out


def _sim_crossing(amps, lam, se):
    """Simulated I1_c: weighted line through the two amplitudes around the first sign change."""
    from ..phase import _line_root
    lam = np.asarray(lam)
    k = int(np.argmax(lam <= 0)) if np.any(lam <= 0) else -1
    if k <= 0:
        return math.nan, math.nan
    x, err, _, _ = _line_root(amps[k - 1:k + 1], lam[k - 1:k + 1], se[k - 1:k + 1])
    return float(x), float(err)


def _lambda_combine(p, results):
    d = _lambda_data(p, results)
    rows = []
    for corr in CORRS:
        x = d[corr]
        rows.append(dict(theory=x["th"][0], simulation=x["sim"][0], stderr=x["sim_se"][0],
                         extra={"correlation": corr, "deficit_bound": p["lambda0_deficit"]},
                         tolerance=3 * x["sim_se"][0] + p["lambda0_deficit"]))
        c, e = _sim_crossing(np.array(x["sim_amps"]), x["sim"], x["sim_se"])
        rows.append(dict(theory=x["crit"]["amplitude"], simulation=c, stderr=e,
                         extra={"correlation": corr}))
    ratio = [d["common"]["crit"]["amplitude"] / d["independent"]["crit"]["amplitude"]]
    c = [_sim_crossing(np.array(d[k]["sim_amps"]), d[k]["sim"], d[k]["sim_se"])[0] for k in CORRS]
    rows.append(dict(theory=ratio[0], simulation=c[0] / c[1]))
    for corr in CORRS:
        x = d[corr]
        th = dict(zip(x["th_amps"], x["th"]))
        for a, lam, se in list(zip(x["sim_amps"], x["sim"], x["sim_se"]))[1:]:
            rows.append(dict(theory=th[a], simulation=lam, stderr=se, extra={"correlation": corr}))
    return rows


def _figure_lambda(p, results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    d = _lambda_data(p, results)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), constrained_layout=True)
    for ax, corr in zip(axes, ("independent", "common")):
        x, col = d[corr], COLOURS[corr]
        ax.plot(x["th_amps"], x["th"], "-", color=col, lw=1.4, label="DMFT (continuous time)")
        ax.errorbar(x["sim_amps"], x["sim"], yerr=x["sim_se"], fmt="o", color=col, ms=4, capsize=2,
                    label=f"simulation, N = {p['N']} (± SE over networks)")
        ax.plot(x["sim_amps"], x["sim_raw"], "x", color=col, ms=5, alpha=0.6,
                label="simulation, raw 2-trajectory estimate")
        ax.axhline(0, color="0.6", lw=0.6)
        c = x["crit"]["amplitude"]
        ax.axvline(c, color=col, lw=0.6, ls=":")
        ax.set_xlabel(r"input amplitude $I_1$  [input units]")
        ax.set_ylabel(r"$\lambda_\max$  [1/$\tau$]")
        ax.set_title(f"{corr} input, N = {p['N']}, f = {F}/τ, g = {G}", fontsize="medium")
        ax.legend(frameon=False, fontsize="x-small", loc="lower left")
    fig.savefig(path, dpi=140)
    plt.close(fig)


# ---------------------------------------------------------------- I1_c against N, f and g (theory)

def _size_points(p):
    out = []
    for corr in CORRS:
        out += [(("crit", corr, N), _pt("suppression_critical", N=N, correlation=corr)) for N in p["Ns"]]
    return out


def _size_data(p, results):
    """Theory I1_c(N) per correlation, and a simulated I1_c at each N of the gap case: the crossing
    estimated from λ at one amplitude next to it and the theory slope, a + λ_sim(a)/|dλ/dI1|."""
    res = dict(zip([t for t, _ in _size_points(p)], results[:len(_size_points(p))]))
    gap = dict(zip([t for t, _ in _gap_points(p["gap"])], results[len(_size_points(p)):]))
    out = {}
    for corr in CORRS:
        crit = [res[("crit", corr, N)] for N in p["Ns"]]
        sim = []
        for N, n in zip(_sizes(p["gap"], corr), _seeds(p["gap"], corr)):
            c = res[("crit", corr, N)]
            lam, se = _mean_se([gap[("sim", corr, N, s)]["lambda_max"] for s in n])
            sim.append((N, _amp(N, corr) + lam / abs(c["slope"]), se / abs(c["slope"])))
        out[corr] = dict(Ns=list(p["Ns"]), amplitude=[c["amplitude"] for c in crit],
                         error=[c["amplitude_error"] for c in crit], sim=sim)
    return out


def _size_plan(p):
    return [spec for _, spec in _size_points(p)] + _gap_plan(p["gap"])


def _exponent(Ns, vals):
    Ns, vals = np.asarray(Ns, float), np.asarray(vals, float)
    ok = np.isfinite(vals) & (vals > 0)
    return float(np.polyfit(np.log(Ns[ok]), np.log(vals[ok]), 1)[0])


def _size_combine(p, results):
    d = _size_data(p, results)
    rows = []
    for corr, target in (("common", 0.5), ("independent", 0.0)):
        x = d[corr]
        big = [i for i, N in enumerate(x["Ns"]) if N >= p["N_fit"]]
        beta = _exponent(np.array(x["Ns"])[big], np.array(x["amplitude"])[big])
        rows.append(dict(theory=target, simulation=beta, tolerance=p["exponent_tol"],
                         extra={"correlation": corr, "Ns": x["Ns"], "I1c": x["amplitude"]}))
        sim = x["sim"]
        rows.append(dict(simulation=_exponent([s[0] for s in sim], [s[1] for s in sim]),
                         extra={"correlation": corr, "sim_I1c": sim}))
    return rows


def _figure_size(p, results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    d = _size_data(p, results)
    fig, ax = plt.subplots(figsize=(4.8, 3.7), constrained_layout=True)
    for corr in ("common", "independent"):
        x, col = d[corr], COLOURS[corr]
        ax.plot(x["Ns"], x["amplitude"], "-", color=col, lw=1.4, label=f"DMFT, {corr}")
        s = np.array(x["sim"])
        ax.errorbar(s[:, 0], s[:, 1], yerr=s[:, 2], fmt="o", color=col, ms=4, capsize=2,
                    label=f"simulation, {corr}")
    Nr = np.geomspace(min(p["Ns"]), max(p["Ns"]), 50)
    ax.plot(Nr, np.sqrt(Nr) * I0, ":", color="0.5", lw=1, label=r"$\sqrt{N}\,I_0$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("network size $N$")
    ax.set_ylabel(r"critical amplitude $I_1^c$  [input units]")
    ax.set_title(f"g = {G}, f = {F}/τ, K = N", fontsize="medium")
    ax.legend(frameon=False, fontsize="x-small")
    fig.savefig(path, dpi=140)
    plt.close(fig)


def _fg_points(p):
    out = []
    for corr in CORRS:
        out += [(("f", corr, f), _pt("suppression_critical", N=p["N"], correlation=corr, frequency=f))
                for f in _grid(p, "fs", corr)]
        out += [(("g", corr, g), _pt("suppression_critical", N=p["N"], correlation=corr, g=g))
                for g in _grid(p, "gs", corr)]
    sim = p.get("sim")
    if sim:
        # independent input at (f, g): the theory's I1_c at the simulated N and realisations at an
        # amplitude a next to it (a + λ_sim(a)/|dλ/dI1| estimates the simulated I1_c, as in the size case)
        Ns = sim["N"]
        for f, g, a in sim["points"]:
            fg = {k: v for k, v in (("frequency", f), ("g", g)) if v != {"frequency": F, "g": G}[k]}
            crit = _pt("suppression_critical", N=Ns, correlation="independent", **fg)
            out.append((("simcrit", f, g), crit))
            for s_ in range(sim["n_real"]):
                spec = _sim(Ns, a, "independent", s_, sim)
                spec["args"].update(fg)
                out.append((("sim", f, g, s_), spec))
    return out


def _grid(p, key, corr):
    """``fs``/``gs`` of the sweep, or ``fs_<correlation>`` where one correlation has its own."""
    return list(p.get(f"{key}_{corr}", p[key]))


def _canon(spec):
    """Spell default arguments out of a critical-amplitude spec, so f = 0.2, g = 2 share the point."""
    a = dict(spec["args"])
    if a.get("frequency") == F:
        a.pop("frequency")
    if a.get("g") == G:
        a.pop("g")
    return {"fn": spec["fn"], "args": a}


def _fg_plan(p):
    return [_canon(spec) for _, spec in _fg_points(p)]


def _fg_data(p, results):
    res = dict(zip([t for t, _ in _fg_points(p)], results))
    out = {corr: {k: [res[(k, corr, v)]["amplitude"] for v in _grid(p, k + "s", corr)] for k in ("f", "g")}
           for corr in CORRS}
    sim = p.get("sim")
    out["sim"] = []
    if sim:
        for f, g, a in sim["points"]:
            c = res[("simcrit", f, g)]
            lam, se = _mean_se([res[("sim", f, g, s_)]["lambda_max"] for s_ in range(sim["n_real"])])
            slope = abs(c["slope"])
            out["sim"].append(dict(f=f, g=g, amplitude=a, theory=c["amplitude"], lam=lam, lam_se=se,
                                   sim=a + lam / slope, sim_se=se / slope))
    return out


def _fg_combine(p, results):
    d = _fg_data(p, results)
    rows = []
    for corr in CORRS:
        rows.append(dict(simulation=float(np.nanmax(d[corr]["f"]) / np.nanmin(d[corr]["f"])),
                         extra={"correlation": corr, "fs": _grid(p, "fs", corr), "I1c": d[corr]["f"]}))
        rows.append(dict(simulation=float(np.nanmax(d[corr]["g"]) / np.nanmin(d[corr]["g"])),
                         extra={"correlation": corr, "gs": _grid(p, "gs", corr), "I1c": d[corr]["g"]}))
    fc = dict(zip(_grid(p, "fs", "common"), d["common"]["f"]))
    r = [fc[f] / x for f, x in zip(_grid(p, "fs", "independent"), d["independent"]["f"]) if f in fc]
    rows.append(dict(theory=p["min_ratio"], simulation=float(np.nanmin(r)),
                     tolerance=None, extra={"ratio_per_f": r}))
    for x in d["sim"]:
        rows.append(dict(theory=x["theory"], simulation=x["sim"], stderr=x["sim_se"],
                         extra={"f": x["f"], "g": x["g"], "N": p["sim"]["N"], "amplitude": x["amplitude"],
                                "ratio": x["sim"] / x["theory"], "ratio_se": x["sim_se"] / x["theory"]}))
    return rows


def _figure_fg(p, results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    d = _fg_data(p, results)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), constrained_layout=True)
    for corr in ("common", "independent"):
        col = COLOURS[corr]
        axes[0].plot(_grid(p, "fs", corr), d[corr]["f"], "o-", color=col, ms=4, lw=1.4, label=f"DMFT, {corr}")
        axes[1].plot(_grid(p, "gs", corr), d[corr]["g"], "o-", color=col, ms=4, lw=1.4, label=f"DMFT, {corr}")
    if d["sim"]:
        Ns, col = p["sim"]["N"], COLOURS["independent"]
        for ax, key, other, ref in ((axes[0], "f", "g", G), (axes[1], "g", "f", F)):
            xs = [x for x in d["sim"] if x[other] == ref]
            ax.errorbar([x[key] for x in xs], [x["sim"] for x in xs], yerr=[x["sim_se"] for x in xs], fmt="s",
                        color=col, mfc="white", ms=5, capsize=2, label=f"simulation, independent, N = {Ns}")
            ax.plot([x[key] for x in xs], [x["theory"] for x in xs], "x", color=col, ms=6,
                    label=f"DMFT at N = {Ns}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel(r"input frequency $f$  [1/$\tau$]")
    axes[0].set_title(f"N = {p['N']}, g = {G}", fontsize="medium")
    axes[1].set_xlabel("coupling strength $g$")
    axes[1].set_title(f"N = {p['N']}, f = {F}/τ", fontsize="medium")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylabel(r"critical amplitude $I_1^c$  [input units]")
        ax.legend(frameon=False, fontsize="x-small")
    fig.savefig(path, dpi=140)
    plt.close(fig)


def _figure_gap(p, results, path):
    """Left: λ_sim − λ_DMFT(Euler map) against 1/N with the extrapolation; right: the decomposition."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dec = gap_decomposition(p, results)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), constrained_layout=True)
    ax = axes[0]
    x = np.linspace(0, 1.05 / min(min(_sizes(p, c)) for c in CORRS), 50)
    for corr in ("independent", "common"):
        d, col = dec[corr], COLOURS[corr]
        Ns = np.array(_sizes(p, corr), float)
        y = [d["per_N"][N]["lam"] - d["per_N"][N]["theory_euler"] for N in _sizes(p, corr)]
        e = [math.hypot(d["per_N"][N]["se"], d["per_N"][N]["theory_euler_error"]) for N in _sizes(p, corr)]
        raw = [d["per_N"][N]["raw"] - d["per_N"][N]["theory_euler"] for N in _sizes(p, corr)]
        ax.errorbar(1 / Ns, y, yerr=e, fmt="o", color=col, ms=4, capsize=2, label=f"{corr}")
        ax.plot(1 / Ns, raw, "x", color=col, ms=5, alpha=0.6)
        f = d["fit"]
        ax.plot(x, f["remainder"] + f["a"] * x, "-", color=col, lw=1)
        ax.errorbar([0], [f["remainder"]], yerr=[f["se"]], fmt="s", color=col, ms=4, capsize=2, mfc="white")
    ax.plot([], [], "kx", alpha=0.6, label="raw estimate (whole T)")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("1 / N")
    ax.set_ylabel(r"$\lambda_\mathrm{sim} - \lambda_\mathrm{DMFT}^{\Delta}$  [1/$\tau$]")
    ax.set_title("next to the crossing; fit a + b/N, N → ∞ at 1/N = 0", fontsize="medium")
    ax.legend(frameon=False, fontsize="x-small")
    ax = axes[1]
    keys = ("estimator", "finite_N", "time_step", "remainder", "total")
    labels = ("estimator\n(T = 120)", "finite N\n(5000)", "Euler step\n(Δ = 0.05)", "remainder", "total")
    w = 0.38
    for j, corr in enumerate(("independent", "common")):
        d, col = dec[corr], COLOURS[corr]
        c = d["critical_theory"]
        v = [100 * d["terms"][k]["amplitude"] / c for k in keys]
        e = [100 * d["terms"][k]["amplitude_se"] / c for k in keys]
        ax.bar(np.arange(len(keys)) + (j - 0.5) * w, v, w, yerr=e, color=col, alpha=0.8, capsize=2,
               label=corr)
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_xticks(np.arange(len(keys)))
    ax.set_xticklabels(labels, fontsize="small")
    ax.set_ylabel(r"shift of $I_1^c$  [% of the DMFT value]")
    ax.set_title(f"N = {p['N_paper']}: gap of the simulated critical amplitude", fontsize="medium")
    ax.legend(frameon=False, fontsize="x-small")
    fig.savefig(path, dpi=140)
    plt.close(fig)


# ---------------------------------------------------------------- the cases

def _gap_checks():
    from .cases import Check
    out = []
    for corr in CORRS:
        out += [
            Check(f"{corr}: remainder λ_∞ − λ_DMFT(Euler map)", "abs difference",
                  "3 SE of the 1/N extrapolation (weighted fit of λ_N − λ_DMFT,Δ over N = 1000 … 5000, "
                  "independent to 10000; SE scaled by √χ²_red): the DMFT of the integrated map is exact "
                  "as N → ∞",
                  "an unexplained part of the gap larger than 3 SE (≈ 0.003 in λ)"),
            Check(f"{corr}: time-step effect, Euler − RK4 (simulation, same networks)", "abs difference",
                  "3 SE of the paired differences (combined with the theory errors); theory: "
                  "DMFT of the Euler map at Δ = dt minus the continuous-time DMFT",
                  "a step effect that the Euler-map DMFT does not predict, above ≈ 0.003"),
        ]
        for k, what in (("total", "total gap λ_sim(raw, T = 120) − λ_DMFT"),
                        ("estimator", "two-trajectory alignment bias (first 20 τ of T = 120)"),
                        ("finite_N", "finite N (λ_5000 − λ_∞)"),
                        ("time_step", "Euler step Δ = 0.05 (DMFT of the map − continuous DMFT)"),
                        ("remainder", "remainder (λ_∞ − DMFT of the map)")):
            out.append(Check(f"{corr}: {what}, as % of I1_c", "reported (% of the theory I1_c; λ term / "
                             "|dλ/dI1|, the theory's chaotic-side secant below the crossing)",
                             "none: a decomposition, reported",
                             "reported only"))
    return tuple(out)


# common input stops at N = 5000: at N = 10000 its drive (0.9 sqrt(N) = 90) opens most gates at once and
# the population-mean mode's rate 1 + J0 sqrt(K) <phi'> (up to 91) puts Euler dt = 0.05 outside its
# stability interval (the engine warns: StepSizeWarning); independent input stays inside it
GAP = {"Ns": [1000, 2000, 5000], "n_real": [24, 12, 4], "Ns_independent": [1000, 2000, 5000, 10000],
       "n_real_independent": [24, 12, 8, 4], "N_paper": 5000,
       "dt": 0.05, "t_sim": 120.0, "t_warmup": 30.0, "t_skip": 20.0, "N_step": 1000,
       "step_seeds": [0, 1, 2, 3, 8, 9, 10, 11], "step_seeds_independent": [8, 9, 10, 11]}


# simulated I1_c against f and g (independent input): (f, g, amplitude next to the theory's crossing);
# (0.2, 2, 4.0) shares its runs with the gap case at N = 2000
FG_SIM = {"N": 2000, "n_real": 12, "dt": 0.05, "t_sim": 120.0, "t_warmup": 30.0, "t_skip": 20.0,
          "points": [[0.05, 2.0, 3.0], [0.2, 2.0, 4.0], [1.0, 2.0, 17.5], [0.2, 1.75, 2.3], [0.2, 3.0, 13.9]]}


# λ_max(I1) at the paper's N: theory amplitudes (common in units of √N I0) and simulation points;
# the simulated amplitudes are a subset of the theory's, so every point has its DMFT value
LAMBDA = {"N": 5000, "dt": 0.05, "t_sim": 60.0, "t_warmup": 20.0, "t_skip": 10.0, "n_real": 2,
          "near": GAP,
          "lambda0_deficit": 0.011,
          "th_independent": [0.0, 1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0],
          "th_common": [0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2],
          "sim_independent": [0.0, 2.0, 3.0, 4.0, 5.0], "sim_common": [0.0, 0.4, 0.6, 0.9]}


def _lambda_checks(p):
    from .cases import Check
    out = []
    for corr in CORRS:
        out += [Check(f"{corr}: λ_max(I1 = 0)", "abs difference",
                      "3 SE + 0.011 (finite-N deficit measured at N = 2000, shrinking with N; issue 4)"
                      if corr == "common" else "as for common (the same point)",
                      "an error of ≈ 0.02 in λ(0) (20 %)" if corr == "common" else "as for common"),
                Check(f"{corr}: I1_c (simulation: secant through the two simulated amplitudes bracketing "
                      "λ = 0)", "reported", "none here: the gap case decomposes the difference",
                      "reported only")]
    out.append(Check("I1_c(common) / I1_c(independent)", "reported",
                     "none: EIKGA's headline (common input is cancelled to O(I1/√N) by the balance)",
                     "reported only"))
    for corr in CORRS:
        for x, a in list(zip(p[f"sim_{corr}"], _lambda_amps(p, corr, "sim")))[1:]:
            amp = f"{x:g} √N I0 = {a:.4g}" if corr == "common" else f"{a:g}"
            out.append(Check(f"{corr}: λ_max(I1 = {amp}), N = {p['N']}", "reported",
                             "none: N = 5000 carries the finite-N, estimator and Euler-step deficits the gap "
                             "case measures (−0.01 to −0.03 in λ near the crossing)",
                             "reported only: the shape of λ(I1) between 0 and the crossing"))
    return tuple(out)


def _cases():
    from .cases import Case, Check
    return (
        Case("suppression-gap", "paper", "chaos suppression: the theory–simulation gap",
             "continuous-time DMFT, and the DMFT of the Euler map at Δ = dt (order 1), at an amplitude "
             "next to the crossing (independent I1 = 4, common I1 = 0.9 √N)",
             "two-trajectory λ_max (Euler dt = 0.05, T = 120 τ after 30 τ) over realisations at N = 1000, "
             "2000, 5000 (independent also 10000); RK4 at N = 1000 on the same networks",
             _gap_checks(),
             {"full": GAP},
             _gap_plan, _gap_combine, _figure_gap),
        Case("suppression-lambda", "paper", "chaos suppression: λ_max(I1), N = 5000",
             "continuous-time DMFT λ_max(I1) (independent: stationary DMFT with the exact phase average; "
             "common: two-time DMFT, Richardson in Δ) and the critical amplitude (Brent)",
             "two-trajectory λ_max (Euler dt = 0.05, first t_skip τ dropped) over network realisations",
             _lambda_checks(LAMBDA), {"full": LAMBDA},
             _lambda_plan, _lambda_combine, _figure_lambda),
        Case("suppression-size", "paper", "chaos suppression: I1_c against N",
             "DMFT critical amplitude at N = 1000 … 20000 (K = N)",
             "I1_c from the gap case's λ at one amplitude next to the crossing and the theory slope, "
             "a + λ_sim(a)/|dλ/dI1|, at N = 1000, 2000, 5000, 10000",
             (Check("common: exponent of I1_c(N), N ≥ 2000 (theory)", "abs difference",
                    "0.05: finite-K corrections to I1_c/√N are O(1/√K) (≈ 0.01–0.02 here)",
                    "a common-input threshold that is not cancelled by the balance (exponent 0)"),
              Check("common: exponent of the simulated I1_c(N)", "reported", "none: three sizes",
                    "reported only"),
              Check("independent: exponent of I1_c(N), N ≥ 2000 (theory)", "abs difference",
                    "0.05: as for common", "an independent-input threshold growing like √N"),
              Check("independent: exponent of the simulated I1_c(N)", "reported", "none: three sizes",
                    "reported only")),
             {"full": {"Ns": [1000, 2000, 5000, 10000, 20000], "N_fit": 2000, "exponent_tol": 0.05,
                       "gap": GAP}},
             _size_plan, _size_combine, _figure_size),
        Case("suppression-frequency-g", "paper", "chaos suppression: I1_c against f and g",
             "DMFT critical amplitude at N = 5000 against the input frequency and the coupling g, and at the "
             "simulated N",
             f"independent input at N = {FG_SIM['N']}: two-trajectory λ_max (Euler dt = 0.05, T = 120 τ) of "
             f"{FG_SIM['n_real']} networks at an amplitude a next to the theory's crossing; I1_c ≈ a + "
             "λ_sim(a)/|dλ/dI1| (the theory's slope at its crossing)",
             (Check("common: max/min of I1_c over f", "reported", "none", "reported only"),
              Check("common: max/min of I1_c over g", "reported", "none", "reported only"),
              Check("independent: max/min of I1_c over f", "reported", "none", "reported only"),
              Check("independent: max/min of I1_c over g", "reported", "none", "reported only"),
              Check("min over f of I1_c(common) / I1_c(independent)", "reported", "none", "reported only"))
             + tuple(Check(f"independent: simulated I1_c at f = {f:g}, g = {g:g} (N = {FG_SIM['N']}) "
                           "against the DMFT at that N", "reported (ratio in the JSON)",
                           "none: one N, Euler step and finite N not removed (the gap case measures both at "
                           "f = 0.2, g = 2); the f- and g-dependence is the test: the ratio should not move "
                           "with f and g beyond its standard error", "reported only")
                     for f, g, _ in FG_SIM["points"]),
             {"full": {"N": 5000, "fs": [0.05, 0.2, 1.0], "gs": [1.75, 2.0, 3.0], "min_ratio": 5.0,
                       "sim": FG_SIM}},
             _fg_plan, _fg_combine, _figure_fg),
    )


CASES = _cases()
