"""Chaos suppression by common vs independent sinusoidal input in the balanced network [EIKGA].

Run:  python validation/chaos_suppression.py [--size small|paper|full] [--out DIR] [--workers 2]
                                            [--no-sim] [--no-theory]

Parameters g = 2, I0 = J0 = 1, f = 0.2 throughout.  Simulation: two-trajectory λ_max
(``meanfield.lyapunov_max``), Euler steps, ``threads=1`` per run, network seeds → standard errors;
theory: ``meanfield.dmft.lyapunov_max`` (two-time DMFT, common input) and the stationary DMFT
with the exact phase average (independent input).

``--size paper`` (the issue-#4 figure, ~35 min on 2 cores): N = 5000, 2 network seeds, T = 120 τ
after 30 τ warm-up, dt = 0.05 (Euler; the mean mode, rate 1 + sqrt(N) J0 Φ(x) ≈ 25.5, needs
dt < 0.078).  The theory critical amplitudes (Brent) are computed first
and place the simulation amplitudes around them (independent I1 in [0, 1.5 I1_c], common around
I1_c ~ sqrt(N) I0); the theory curves then run alongside the simulations in the same pool.
The simulated I1_c is a weighted straight line through the seed means at the (up to) four
amplitudes around the first sign change; its standard error is the larger of the delta-method
error (inflated by the residuals) and the jackknife over network seeds.  Checks:

* λ(0): the simulation at N = 5000 may lie below the N → ∞ theory (finite-size deficit, measured
  0.038 / 0.011 at N = 1000 / 2000 and shrinking with N), but by no more than the N = 2000 deficit
  0.011 plus 3 SE, and not above it by more than 3 SE;
* I1_c, each correlation: |sim − theory| ≤ 3 σ + shift(δ), σ² = SE_sim² + SE_th² + (SE_δ/λ'_th)²,
  where δ = max(0, λ_th(0) − λ_sim(0)) is the measured finite-N deficit and shift(δ) = I1_c − I1*
  with λ_th(I1*) = δ (interpolated on the theory grid, chaotic side; λ'_th the slope there): the
  theory curve lowered by δ crosses zero shift(δ) earlier (≈ δ/|λ'_th|);
* headline: I1_c(common) / I1_c(independent) ≥ 5 in simulation and theory (common input is
  cancelled by the balance to O(I1/sqrt(N)); the ratio is ~16 at N = 5000).

``--size small`` (~10 min) and ``--size full`` (hours) sweep N: λ(I1) grids by simulation at every
N of the sweep, theory critical amplitudes against N, and the fitted exponent of I1_c(N).
Writes into ``--out`` (default validation/out/chaos_suppression):

* ``lambda_vs_amplitude.png`` -- λ_max(I1) from theory (lines) and simulation (dots, SE over
  network seeds) for both correlations;
* ``critical_vs_N.png`` (small, full) -- critical amplitudes against N (log-log): common ~ sqrt(N),
  independent O(1), with the quasi-static estimate sqrt(N) I0 / cos(π λ0 / (1 + λ0)) (physics.md §4);
* ``*.npz`` phase diagrams (resumable: re-running skips finished points), ``summary.json``
  and ``summary.md``.

Exits non-zero if a check fails.  small/full: the exponent of the theory I1_c(N) is 1/2 ± 0.1
(common) and 0 ± 0.1 (independent); the exponent fitted to simulation is near 1/2 (common) and
near 0 (independent), checked where its standard error is below the tolerance (full; reported
only for small); and, where theory is available, theory and simulation
critical amplitudes at the largest N agree within 5 combined standard errors + 5 % (grid
interpolation) + the finite-N shift(δ) as above.
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import meanfield as mf  # noqa: E402
from meanfield._stats import jackknife_se  # noqa: E402
from meanfield.phase import _line_root  # noqa: E402
from meanfield.plotting import plot_lambda_amplitude  # noqa: E402

G, J0, I0, F = 2.0, 1.0, 1.0, 0.2
# simulated balanced lambda_max(I1 = 0) below the N -> infinity theory at N = 2000 (measured, issue #4);
# the deficit shrinks with N (0.058, 0.038, 0.011 at N = 500, 1000, 2000), so it bounds the N = 5000 one
DEFICIT_N2000 = 0.011
SIZES = {
    # below N ~ 300 the balanced network (g = 2) is not chaotic at all: lambda(0) < 0 in simulation
    "small": dict(mode="sweep", N=1000, Ns=[500, 1000], n_seeds=2, t_sim=100.0, t_warmup=50.0, dt=0.05,
                  n_amp=7, N_theory=[500, 1000, 2000], refine=False),
    # Euler: the population-mean mode relaxes at rate 1 + sqrt(N) J0 Φ(x) ≈ 25.5 at N = 5000 (fraction
    # active Φ(x) = 0.347), so forward Euler needs dt < 2/25.5 ≈ 0.078 there (dt = 0.1 makes the mean
    # mode unstable: measured λ(0) ≈ 3 instead of 0.09)
    "paper": dict(mode="paper", N=5000, n_seeds=2, t_sim=120.0, t_warmup=30.0, dt=0.05,
                  # simulation amplitudes in units of the theory critical amplitude (0 is shared)
                  sim_independent=[0.0, 0.5, 0.75, 0.875, 1.0, 1.125, 1.5],
                  sim_common=[0.5, 0.8, 0.9, 1.0, 1.1, 1.25],
                  th_independent=list(np.linspace(0.0, 1.5, 11)),
                  th_common=[0.0, 0.25, 0.5, 0.7, 0.85, 0.95, 1.05, 1.15, 1.3]),
    "full": dict(mode="sweep", N=5000, Ns=[500, 1000, 2000, 5000], n_seeds=4, t_sim=500.0, t_warmup=100.0,
                 dt=0.05, n_amp=13, N_theory=[500, 1000, 2000, 5000, 10000, 20000], refine=True),
}


def model(N):
    return mf.BalancedNetwork(N, G, J0, I0, seed=1)


def sim_options(cfg):
    return {"t_sim": cfg["t_sim"], "t_warmup": cfg["t_warmup"], "dt": cfg["dt"], "integrator": "euler",
            "threads": 1}


def amp_grid(corr, N, n):
    # common input is cancelled to O(I1/sqrt(N)): its scale is sqrt(N) I0
    top = 3.0 * math.sqrt(N) * I0 if corr == "common" else 6.0
    return np.linspace(0.0, top, n)


def _crit(N, corr):
    r = mf.critical_amplitude(model(N), F, corr, method="dmft")
    return r.amplitude, r.amplitude_error


def _crit_full(N, corr):
    return mf.critical_amplitude(model(N), F, corr, method="dmft")


def fit_critical(amps, samples, sample_errors):
    """Simulated I1_c: weighted line through the seed means at the <= 4 amplitudes around the first
    sign change.  Returns (I1_c, SE, slope, fitted amplitudes); SE = max(delta method, jackknife)."""
    amps, S, E = np.asarray(amps, float), np.asarray(samples, float), np.asarray(sample_errors, float)
    n = S.shape[1]
    lam = S.mean(axis=1)
    # seed SE, floored by the runs' own block errors (two seeds give a one-degree-of-freedom SE)
    se = np.maximum(S.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else 0.0,
                    np.sqrt(np.mean(E ** 2, axis=1) / n))
    neg = np.nonzero(lam <= 0)[0]
    if lam[0] <= 0 or neg.size == 0:
        return math.nan, math.nan, math.nan, []
    k = int(neg[0])
    sel = np.arange(max(0, k - 2), min(amps.size, k + 2))
    x, err, slope, _ = _line_root(amps[sel], lam[sel], se[sel])
    if n >= 2:
        def root(keep):
            k, ke = S[sel][:, keep], E[sel][:, keep]
            e = (k.std(axis=1, ddof=1) / math.sqrt(n - 1) if n > 2
                 else np.sqrt(np.mean(ke ** 2, axis=1) / (n - 1)))
            return _line_root(amps[sel], k.mean(axis=1), e)[0]
        err = max(err, jackknife_se(root, n, nonfinite=math.nan))
    return float(x), float(err), float(slope), amps[sel].tolist()


def shift_allowance(th_pd, th_crit, delta):
    """Finite-N allowance: how far below the theory I1_c the theory curve lowered by ``delta`` crosses 0.

    The theory curve λ_th(I1) (grid of ``th_pd`` plus the root ``th_crit``) is interpolated on its
    chaotic side: I1* with λ_th(I1*) = delta; allowance = I1_c − I1*.  Also returns the chaotic-side
    slope |dλ/dI1| there (to turn the SE of delta into an amplitude).  The slope at the root itself
    can differ: λ_th(I1) has a kink where the chaotic solution ends (independent input)."""
    x_c = th_crit.amplitude
    if th_pd is None:
        s = abs(th_crit.slope)
        return delta / s, s
    a, lam = th_pd.amplitudes, th_pd.lambda_max[0, 0]
    keep = np.isfinite(lam) & (a < x_c)
    a, lam = np.append(a[keep], x_c), np.append(lam[keep], 0.0)
    i = max(1, int(np.searchsorted(-lam, -max(delta, 0.0))))  # λ decreasing: first index with λ <= delta
    i = min(i, a.size - 1)
    s = (lam[i - 1] - lam[i]) / (a[i] - a[i - 1])
    x_star = a[i] - (max(delta, 0.0) - lam[i]) / s
    return float(x_c - x_star), float(abs(s))


# ----------------------------------------------------------------------------------------------
# --size paper: one N, both correlations, theory-placed amplitudes


def run_paper(cfg, a, log, summary):
    N = cfg["N"]
    opts = sim_options(cfg)
    lam0 = summary["lambda0_theory"]
    th = {}
    t0 = time.time()
    with ProcessPoolExecutor(a.workers) as ex, ThreadPoolExecutor(4) as tp:
        # 1. theory critical amplitudes (Brent), both correlations in parallel: they place the grids
        if a.no_theory:
            guess = {"independent": 4.0, "common": 0.9 * math.sqrt(N) * I0}
        else:
            futs = {c: ex.submit(_crit_full, N, c) for c in ("independent", "common")}
            for c, f in futs.items():
                th[c] = f.result()
                log(f"theory I1_c({c}), N = {N}: {th[c].amplitude:.4f} ± {th[c].amplitude_error:.2g}, slope "
                    f"dλ/dI1 = {th[c].slope:.4g}  ({time.time() - t0:.0f} s)")
            guess = {c: th[c].amplitude for c in th}
        # 2. simulation grids and theory curves together in the same pool
        jobs = {}
        if not a.no_sim:
            for c in ("independent", "common"):
                amps = np.round(np.array(cfg[f"sim_{c}"]) * guess[c], 4)
                jobs[("sim", c)] = tp.submit(
                    mf.phase_diagram, model(N), "frequency", [F], amps, correlation=c, method="simulation",
                    n_seeds=cfg["n_seeds"], options=opts, executor=ex, on_error="nan",
                    output=os.path.join(a.out, f"paper_simulation_{c}_N{N}.npz"), progress=False)
        if not a.no_theory:
            for c in ("independent", "common"):
                amps = np.round(np.array(cfg[f"th_{c}"]) * guess[c], 4)
                jobs[("th", c)] = tp.submit(
                    mf.phase_diagram, model(N), "frequency", [F], amps, correlation=c, method="dmft",
                    executor=ex, on_error="nan", output=os.path.join(a.out, f"paper_theory_{c}_N{N}.npz"),
                    progress=False)
        res = {}
        for key, f in jobs.items():
            res[key] = f.result()
            log(f"{key[0]} {key[1]} grid done ({time.time() - t0:.0f} s; "
                f"{len(res[key].parameters['errors'])} failed points)")

    ok_all = True
    checks = summary["checks"]
    sim_c = {}
    lam0_sim = lam0_se = math.nan
    if ("sim", "independent") in res:
        pi = res[("sim", "independent")]
        S0, E0 = pi.samples[0, 0, 0], pi.sample_errors[0, 0, 0]
        n = S0.size
        lam0_sim = float(S0.mean())
        lam0_se = float(max(S0.std(ddof=1) / math.sqrt(n), math.sqrt(np.mean(E0 ** 2) / n)))
        log(f"simulation λ(0), N = {N}: {lam0_sim:.4f} ± {lam0_se:.4f} (seeds {np.round(S0, 4).tolist()}); "
            f"theory {lam0:.4f}")
        summary["lambda0_simulation"] = [lam0_sim, lam0_se, S0.tolist()]
        d = lam0 - lam0_sim
        ok = -3 * lam0_se <= d <= DEFICIT_N2000 + 3 * lam0_se
        ok_all &= ok
        checks["lambda0"] = dict(theory=lam0, sim=lam0_sim, se=lam0_se, deficit=d,
                                 allowed=[-3 * lam0_se, DEFICIT_N2000 + 3 * lam0_se], ok=ok)
        log(f"λ(0) deficit θ − sim = {d:.4f} ± {lam0_se:.4f}; allowed [{-3 * lam0_se:.4f}, "
            f"{DEFICIT_N2000 + 3 * lam0_se:.4f}]: {'ok' if ok else 'FAIL'}")
        delta = max(0.0, d)
        for c in ("independent", "common"):
            p = res[("sim", c)]
            amps, S, E = p.amplitudes, p.samples[0, 0], p.sample_errors[0, 0]
            if c == "common":  # the I1 = 0 point (no input) is shared with the independent grid
                amps = np.concatenate([[0.0], amps])
                S, E = np.vstack([S0[None], S]), np.vstack([E0[None], E])
            x, se, slope, used = fit_critical(amps, S, E)
            sim_c[c] = (x, se)
            p.critical_amplitude[0, 0], p.critical_amplitude_error[0, 0] = x, se
            log(f"simulation I1_c({c}), N = {N}: {x:.4f} ± {se:.2g} (line through I1 = {used}, "
                f"slope {slope:.4g})")
            summary.setdefault("simulation", {})[c] = dict(
                critical=x, se=se, slope=slope, fit_amplitudes=used, amplitudes=amps.tolist(),
                lambda_mean=S.mean(axis=1).tolist(), samples=S.tolist())
            if c in th:
                t = th[c]
                allow, slope_c = shift_allowance(res.get(("th", c)), t, delta)
                sig = math.sqrt(se ** 2 + t.amplitude_error ** 2 + (lam0_se / slope_c) ** 2)
                tol = 3 * sig + allow
                ok = abs(x - t.amplitude) <= tol
                ok_all &= ok
                checks[f"theory_vs_sim_{c}"] = dict(theory=t.amplitude, theory_se=t.amplitude_error, sim=x,
                                                    se=se, sigma=sig, finite_N_allowance=allow,
                                                    theory_slope_below=slope_c, tol=tol, ok=ok)
                log(f"I1_c {c}: theory {t.amplitude:.4f} ± {t.amplitude_error:.2g}, "
                    f"simulation {x:.4f} ± {se:.2g}; "
                    f"|diff| = {abs(x - t.amplitude):.3g} vs 3σ + shift(δ) = 3 × {sig:.3g} + {allow:.3g} "
                    f"= {tol:.3g}: {'ok' if ok else 'FAIL'}")
    th_c = {c: (t.amplitude, t.amplitude_error) for c, t in th.items()}
    for label, vals in (("simulation", sim_c), ("theory", th_c)):
        if len(vals) == 2:
            r = vals["common"][0] / vals["independent"][0]
            ok = bool(np.isfinite(r) and r >= 5.0)
            ok_all &= ok
            checks[f"common_over_independent_{label}"] = dict(ratio=r, min=5.0, ok=ok)
            log(f"I1_c(common) / I1_c(independent), {label}: {r:.2f} (≥ 5; sqrt(N) I0 = "
                f"{math.sqrt(N) * I0:.1f}): {'ok' if ok else 'FAIL'}")
    if th:
        summary["theory"] = {c: dict(critical=t.amplitude, se=t.amplitude_error, slope=t.slope)
                             for c, t in th.items()}
    summary["quasi_static_common"] = mf.dmft.quasi_static_lambda(g=G, I0=I0, I1=1.0, K=N).critical_amplitude
    log(f"quasi-static (f → 0) I1_c(common) = {summary['quasi_static_common']:.4f}")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    for ax, c in zip(axes, ("independent", "common")):
        items, labels = [], []
        if ("th", c) in res:
            pt = res[("th", c)]
            if c in th:
                pt.critical_amplitude[0, 0] = th[c].amplitude
                pt.critical_amplitude_error[0, 0] = th[c].amplitude_error
            items.append(pt)
            labels.append("DMFT (N → ∞ fluctuations)")
        if ("sim", c) in res:
            items.append(res[("sim", c)])
            labels.append(f"simulation, {cfg['n_seeds']} seeds")
        if items:
            plot_lambda_amplitude(items, ax=ax, labels=labels)
        if c == "common" and np.isfinite(lam0_sim):
            ax.errorbar([0.0], [lam0_sim], yerr=[lam0_se], fmt="o", ms=4, mfc="white", color="C3", lw=1,
                        capsize=2)
        ax.set_title(f"{c} input, N = {N}, f = {F}, g = {G}", fontsize="medium")
    axes[1].axvline(math.sqrt(N) * I0, color="0.7", lw=0.6, ls=":")
    fig.savefig(os.path.join(a.out, "lambda_vs_amplitude.png"), dpi=150)
    plt.close(fig)
    return ok_all


# ----------------------------------------------------------------------------------------------
# --size small / full: N sweep


def run_theory_curves(cfg, out, ex, log):
    res = {}
    for corr in ("common", "independent"):
        t = time.time()
        amps = amp_grid(corr, cfg["N"], cfg["n_amp"] + 4)
        pd = mf.phase_diagram(model(cfg["N"]), "frequency", [F], amps, correlation=corr, method="dmft",
                              refine=cfg["refine"], executor=ex, on_error="nan",
                              output=os.path.join(out, f"theory_{corr}.npz"), progress=False)
        res[corr] = pd
        log(f"theory λ(I1), {corr}: I1_c = {pd.critical_amplitude[0, 0]:.4g}  ({time.time() - t:.0f} s; "
            f"{len(pd.parameters['errors'])} failed points)")
    return res


def run_theory_scaling(cfg, ex, log):
    res = {}
    for corr in ("common", "independent"):
        futs = [ex.submit(_crit, N, corr) for N in cfg["N_theory"]]
        vals = []
        for N, f in zip(cfg["N_theory"], futs):
            try:
                vals.append(f.result())
            except Exception as exc:  # report and go on
                log(f"theory I1_c, {corr}, N = {N}: failed: {exc}")
                vals.append((math.nan, math.nan))
        res[corr] = np.array(vals)
        log(f"theory I1_c({corr}) vs N {cfg['N_theory']}: {np.round(res[corr][:, 0], 4).tolist()}")
    return res


def run_simulation(cfg, out, ex, log):
    """λ(I1) grids by simulation at every N of cfg['Ns'] (the largest is the figure's)."""
    res = {}
    for corr in ("common", "independent"):
        for N in cfg["Ns"]:
            t = time.time()
            pd = mf.phase_diagram(model(N), "frequency", [F], amp_grid(corr, N, cfg["n_amp"]),
                                  correlation=corr, method="simulation", n_seeds=cfg["n_seeds"],
                                  options=sim_options(cfg), executor=ex,
                                  output=os.path.join(out, f"simulation_{corr}_N{N}.npz"), progress=False)
            res[(corr, N)] = pd
            log(f"simulation, {corr}, N = {N}: λ(0) = {pd.lambda_max[0, 0, 0]:.4f}, I1_c = "
                f"{pd.critical_amplitude[0, 0]:.4g} ± {pd.critical_amplitude_error[0, 0]:.2g}  "
                f"({time.time() - t:.0f} s)")
    return res


def scaling_exponent(Ns, crit, se):
    ok = np.isfinite(crit) & (crit > 0)
    if ok.sum() < 2:
        return math.nan, math.nan
    x, y = np.log(np.asarray(Ns, float)[ok]), np.log(crit[ok])
    w = 1.0 / np.maximum(np.asarray(se)[ok] / crit[ok], 1e-3) ** 2
    A = np.stack([np.ones_like(x), x], 1)
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    beta = cov @ (A.T @ (w * y))
    chi2 = max(1.0, float(np.sum(w * (y - A @ beta) ** 2)) / max(1, ok.sum() - 2))
    return float(beta[1]), float(math.sqrt(cov[1, 1] * chi2))


def run_sweep(cfg, a, log, summary):
    lam0 = summary["lambda0_theory"]
    with ProcessPoolExecutor(a.workers) as ex:
        th_curves = {} if a.no_theory else run_theory_curves(cfg, a.out, ex, log)
        th_scaling = {} if a.no_theory else run_theory_scaling(cfg, ex, log)
        sims = {} if a.no_sim else run_simulation(cfg, a.out, ex, log)

    ok_all = True
    # λ(I1) figure: independent and common side by side
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), constrained_layout=True)
    for ax, corr in zip(axes, ("independent", "common")):
        items = [r for r in (th_curves.get(corr), sims.get((corr, cfg["N"]))) if r is not None]
        if items:
            plot_lambda_amplitude(items, ax=ax)
        ax.set_title(f"{corr} input, N = {cfg['N']}, f = {F}")
    fig.savefig(os.path.join(a.out, "lambda_vs_amplitude.png"), dpi=150)
    plt.close(fig)

    # critical amplitude against N
    fig, ax = plt.subplots(figsize=(4.8, 3.6), constrained_layout=True)
    colours = {"common": "C3", "independent": "C0"}
    Nr = np.geomspace(min(cfg["Ns"] + cfg["N_theory"]), max(cfg["Ns"] + cfg["N_theory"]), 50)
    qs = 1.0 / math.cos(math.pi * lam0 / (1 + lam0))
    ax.plot(Nr, qs * np.sqrt(Nr) * I0, ":", color="0.5",
            label=r"quasi-static $\sqrt{N}I_0/\cos(\pi\lambda_0/(1+\lambda_0))$")
    for corr in ("common", "independent"):
        if corr in th_scaling:
            ax.plot(cfg["N_theory"], th_scaling[corr][:, 0], "-", color=colours[corr],
                    label=f"theory, {corr}")
            summary.setdefault("theory", {})[corr] = dict(zip(map(str, cfg["N_theory"]),
                                                              th_scaling[corr][:, 0].tolist()))
            crit_th = th_scaling[corr][:, 0]
            expo, _ = scaling_exponent(cfg["N_theory"], crit_th, np.zeros_like(crit_th))
            target, tol = (0.5, 0.1) if corr == "common" else (0.0, 0.1)
            ok = bool(abs(expo - target) <= tol)
            ok_all &= ok
            summary["checks"][f"theory_exponent_{corr}"] = dict(value=expo, target=target, tol=tol, ok=ok)
            log(f"theory I1_c ~ N^{expo:.3f} ({corr}; expected {target} ± {tol}): {'ok' if ok else 'FAIL'}")
        if sims:
            crit = np.array([sims[(corr, N)].critical_amplitude[0, 0] for N in cfg["Ns"]])
            se = np.array([sims[(corr, N)].critical_amplitude_error[0, 0] for N in cfg["Ns"]])
            ax.errorbar(cfg["Ns"], crit, yerr=se, fmt="o", mfc="white", color=colours[corr], capsize=2,
                        label=f"simulation, {corr}")
            expo, expo_se = scaling_exponent(cfg["Ns"], crit, se)
            target, tol = (0.5, 0.15) if corr == "common" else (0.0, 0.2)
            # decisive only when the fit resolves the exponent to within the tolerance; with two
            # sizes and few seeds (--size small) it does not, and the theory exponent is the check
            decisive = bool(np.isfinite(expo_se) and expo_se <= tol)
            ok = bool(abs(expo - target) <= tol) if decisive else None
            if decisive:
                ok_all &= ok
            summary["checks"][f"exponent_{corr}"] = dict(value=expo, se=expo_se, target=target, tol=tol,
                                                         ok=ok)
            summary.setdefault("simulation", {})[corr] = {str(N): [c, s]
                                                          for N, c, s in zip(cfg["Ns"], crit, se)}
            verdict = ("ok" if ok else "FAIL") if decisive else "not resolved (SE > tolerance): reported only"
            log(f"I1_c ~ N^{expo:.3f} ± {expo_se:.3f} ({corr}; expected {target} ± {tol}): {verdict}")
            if corr in th_curves:
                # as in --size paper, with the finite-N allowance from the measured λ(0) deficit; 5 σ and
                # 5 % for the linear interpolation on the coarse grids
                tpd = th_curves[corr]
                th = tpd.critical_amplitude[0, 0]
                s_, e_ = crit[-1], se[-1]
                S0 = sims[(corr, cfg["N"])].samples[0, 0, 0]
                d = tpd.lambda_max[0, 0, 0] - S0.mean()
                d_se = S0.std(ddof=1) / math.sqrt(S0.size) if S0.size > 1 else 0.0
                allow, slope_c = shift_allowance(tpd, SimpleNamespace(amplitude=th, slope=math.nan),
                                                 max(d, 0.0))
                sig = math.sqrt(e_ ** 2 + tpd.critical_amplitude_error[0, 0] ** 2 + (d_se / slope_c) ** 2)
                tol_c = 5 * sig + 0.05 * th + allow
                ok = abs(s_ - th) <= tol_c
                ok_all &= ok
                summary["checks"][f"theory_vs_sim_{corr}"] = dict(
                    theory=th, sim=s_, se=e_, lambda0_deficit=d, finite_N_allowance=allow, tol=tol_c, ok=ok)
                log(f"I1_c {corr}, N = {cfg['N']}: theory {th:.4g}, simulation {s_:.4g} ± {e_:.2g} "
                    f"(λ(0) deficit {d:.4f}, allowance {allow:.3g}, tolerance {tol_c:.3g}): "
                    f"{'ok' if ok else 'FAIL'}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("network size $N$")
    ax.set_ylabel(r"critical amplitude $I_1^c$")
    ax.set_title(f"g = {G}, f = {F}")
    ax.legend(frameon=False, fontsize="x-small")
    fig.savefig(os.path.join(a.out, "critical_vs_N.png"), dpi=150)
    plt.close(fig)
    return ok_all


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", choices=list(SIZES), default="small")
    p.add_argument("--out", default=os.path.join("validation", "out", "chaos_suppression"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-sim", action="store_true", help="theory only")
    p.add_argument("--no-theory", action="store_true", help="simulation only")
    a = p.parse_args(argv)
    cfg = SIZES[a.size]
    os.makedirs(a.out, exist_ok=True)
    lines = []
    t_start = time.time()

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    log(f"chaos suppression, size {a.size}: g = {G}, I0 = J0 = {I0}, f = {F}, N = {cfg['N']}, "
        f"simulation {sim_options(cfg)}")
    lam0 = mf.dmft.lyapunov_max(model(cfg["N"])).lambda_max
    log(f"theory λ0 (no input) = {lam0:.5f} 1/τ")
    summary = {"size": a.size, "config": cfg, "lambda0_theory": lam0, "checks": {}}
    run = run_paper if cfg["mode"] == "paper" else run_sweep
    ok_all = run(cfg, a, log, summary)
    summary["ok"] = bool(ok_all)
    summary["run_time_s"] = time.time() - t_start
    log(f"run time {summary['run_time_s'] / 60:.1f} min")
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1, default=float)
    with open(os.path.join(a.out, "summary.md"), "w") as fh:
        fh.write("# Chaos suppression: common vs independent input\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(f"{'all checks passed' if ok_all else 'SOME CHECKS FAILED'}; output in {a.out}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
