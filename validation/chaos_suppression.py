"""Chaos suppression by common vs independent sinusoidal input in the balanced network [EIKGA].

Run:  python validation/chaos_suppression.py [--size small|full] [--out validation/out/chaos_suppression]
                                            [--workers 2] [--no-sim] [--no-theory]

Paper parameters: g = 2, I0 = J0 = 1, f = 0.2, N = 5000 (``--size full``, hours; ``small``
uses N = 500-2000, short runs and no root refinement of the theory curve).  Theory for common
input (two-time DMFT) costs minutes per point.  Writes into ``--out``:

* ``lambda_vs_amplitude.png`` -- λ_max(I1) from theory (lines) and simulation (dots, SE over
  network seeds) for both correlations;
* ``critical_vs_N.png`` -- critical amplitudes against N (log-log): common ~ sqrt(N),
  independent O(1), with the quasi-static estimate sqrt(N) I0 / cos(π λ0 / (1 + λ0)) (physics.md §4);
* ``*.npz`` phase diagrams (resumable: re-running skips finished points), ``summary.json``
  and ``summary.md``.

Exits non-zero if a check fails: the fitted exponent of I1_c(N) from simulation is near 1/2
(common) and near 0 (independent); and, where theory is available, theory and simulation
critical amplitudes at the largest N agree within 5 combined standard errors plus 15 %
(finite-size and first-order-scheme effects).
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import meanfield as mf  # noqa: E402
from meanfield.plotting import plot_lambda_amplitude  # noqa: E402

G, J0, I0, F = 2.0, 1.0, 1.0, 0.2
SIZES = {
    # below N ~ 300 the balanced network (g = 2) is not chaotic at all: lambda(0) < 0 in simulation
    "small": dict(N=2000, Ns=[500, 1000, 2000], n_seeds=3, t_sim=200.0, t_warmup=50.0, n_amp=9,
                  N_theory=[500, 2000, 5000], refine=False),
    "full": dict(N=5000, Ns=[500, 1000, 2000, 5000], n_seeds=4, t_sim=500.0, t_warmup=100.0, n_amp=13,
                 N_theory=[500, 1000, 2000, 5000, 10000, 20000], refine=True),
}


def model(N):
    return mf.BalancedNetwork(N, G, J0, I0, seed=1)


def amp_grid(corr, N, n):
    # common input is cancelled to O(I1/sqrt(N)): its scale is sqrt(N) I0
    top = 3.0 * math.sqrt(N) * I0 if corr == "common" else 6.0
    return np.linspace(0.0, top, n)


def theory_available(corr):
    return corr == "independent" or hasattr(mf.dmft, "lyapunov_max")


def run_theory_curves(cfg, out, ex, log):
    res = {}
    for corr in ("common", "independent"):
        if not theory_available(corr):
            log(f"theory λ(I1), {corr}: skipped (meanfield.dmft.lyapunov_max not available)")
            continue
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
        if not theory_available(corr):
            continue
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


def _crit(N, corr):
    r = mf.critical_amplitude(model(N), F, corr, method="dmft")
    return r.amplitude, r.stderr


def run_simulation(cfg, out, ex, log):
    """λ(I1) grids by simulation at every N of cfg['Ns'] (the largest is the paper's figure)."""
    opts = {"t_sim": cfg["t_sim"], "t_warmup": cfg["t_warmup"]}
    res = {}
    for corr in ("common", "independent"):
        for N in cfg["Ns"]:
            t = time.time()
            pd = mf.phase_diagram(model(N), "frequency", [F], amp_grid(corr, N, cfg["n_amp"]),
                                  correlation=corr, method="simulation", n_seeds=cfg["n_seeds"],
                                  options=opts, executor=ex,
                                  output=os.path.join(out, f"simulation_{corr}_N{N}.npz"), progress=False)
            res[(corr, N)] = pd
            log(f"simulation, {corr}, N = {N}: λ(0) = {pd.lambda_max[0, 0, 0]:.4f}, I1_c = "
                f"{pd.critical_amplitude[0, 0]:.4g} ± {pd.critical_stderr[0, 0]:.2g}  "
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

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    log(f"chaos suppression, size {a.size}: g = {G}, I0 = J0 = {I0}, f = {F}, N = {cfg['N']}")
    lam0 = mf.dmft.stationary(model(cfg["N"])).lambda_max
    log(f"theory λ0 (no input) = {lam0:.5f} 1/τ")
    summary = {"size": a.size, "config": cfg, "lambda0_theory": lam0, "checks": {}}
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
    qs = math.sqrt(1.0) / math.cos(math.pi * lam0 / (1 + lam0))
    ax.plot(Nr, qs * np.sqrt(Nr) * I0, ":", color="0.5",
            label=r"quasi-static $\sqrt{N}I_0/\cos(\pi\lambda_0/(1+\lambda_0))$")
    for corr in ("common", "independent"):
        if corr in th_scaling:
            ax.plot(cfg["N_theory"], th_scaling[corr][:, 0], "-", color=colours[corr],
                    label=f"theory, {corr}")
            summary.setdefault("theory", {})[corr] = dict(zip(map(str, cfg["N_theory"]),
                                                              th_scaling[corr][:, 0].tolist()))
        if sims:
            crit = np.array([sims[(corr, N)].critical_amplitude[0, 0] for N in cfg["Ns"]])
            se = np.array([sims[(corr, N)].critical_stderr[0, 0] for N in cfg["Ns"]])
            ax.errorbar(cfg["Ns"], crit, yerr=se, fmt="o", mfc="white", color=colours[corr], capsize=2,
                        label=f"simulation, {corr}")
            expo, expo_se = scaling_exponent(cfg["Ns"], crit, se)
            target, tol = (0.5, 0.15) if corr == "common" else (0.0, 0.2)
            ok = abs(expo - target) <= tol
            ok_all &= ok
            summary["checks"][f"exponent_{corr}"] = dict(value=expo, se=expo_se, target=target, tol=tol,
                                                         ok=ok)
            summary.setdefault("simulation", {})[corr] = {str(N): [c, s]
                                                          for N, c, s in zip(cfg["Ns"], crit, se)}
            log(f"I1_c ~ N^{expo:.3f} ± {expo_se:.3f} ({corr}; expected {target} ± {tol}): "
                f"{'ok' if ok else 'FAIL'}")
            if corr in th_curves:
                th = th_curves[corr].critical_amplitude[0, 0]
                s_, e_ = crit[-1], se[-1]
                tol_c = 5 * math.hypot(e_, th_curves[corr].critical_stderr[0, 0]) + 0.15 * th
                ok = abs(s_ - th) <= tol_c
                ok_all &= ok
                summary["checks"][f"theory_vs_sim_{corr}"] = dict(theory=th, sim=s_, se=e_, tol=tol_c, ok=ok)
                log(f"I1_c {corr}, N = {cfg['N']}: theory {th:.4g}, simulation {s_:.4g} ± {e_:.2g}: "
                    f"{'ok' if ok else 'FAIL'}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("network size $N$")
    ax.set_ylabel(r"critical amplitude $I_1^c$")
    ax.set_title(f"g = {G}, f = {F}")
    ax.legend(frameon=False, fontsize="x-small")
    fig.savefig(os.path.join(a.out, "critical_vs_N.png"), dpi=150)
    plt.close(fig)

    summary["ok"] = bool(ok_all)
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1, default=float)
    with open(os.path.join(a.out, "summary.md"), "w") as fh:
        fh.write("# Chaos suppression: common vs independent input\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(f"{'all checks passed' if ok_all else 'SOME CHECKS FAILED'}; output in {a.out}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
