"""Independent-input DMFT: time per lambda_max and the speed ratio against the old settings (issue #8).

Times ``solve_independent(2.0, 2.0, 0.2, J0=1, I0=1, K=5000)`` (balanced ReLU, phase-averaged sine,
f = 0.2, I1 = 2: the chaotic state, its exponent and the periodic state's Floquet exponent) after a
warm-up call (Numba compilation and caches excluded), in the same run as

* the old settings: the fixed theta grid of the old default (n_theta = 16, 32, ... >= 12 (1 + A) + 8,
  here 64) instead of the adaptive one, and
* the old code (the module at the revision before issue 8, ``--old-rev``, loaded from git when the
  repository is available),

and prints the lambda differences.  A warm-started solve (``guess=`` a neighbouring amplitude, the
situation of a sweep) is timed too.  Run from the repository root:

    python benchmarks/bench_dmft_independent.py [--repeats 7] [--old-rev c256dd2]

Target: <= 0.2 s per lambda_max after compilation, |lambda - lambda_old| <= 1e-6.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import time
import warnings

import numpy as np

from meanfield.dmft import independent as ind

KW = dict(J0=1.0, I0=1.0, K=5000)


def timed(fn, repeats):
    out = fn()                                     # warm-up: compilation, caches
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return np.array(ts), out


def old_module(rev):
    """The pre-issue-8 independent.py as meanfield.dmft._independent_old (None if git is unavailable)."""
    try:
        src = subprocess.run(["git", "show", f"{rev}:meanfield/dmft/independent.py"], capture_output=True,
                             text=True, check=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("meanfield.dmft._independent_old", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "meanfield.dmft"
    sys.modules[spec.name] = mod
    try:
        exec(compile(src, f"{rev}:independent.py", "exec"), mod.__dict__)
    except Exception as exc:                      # the old code no longer imports against today's package
        print(f"old code at {rev} not loadable: {exc!r}")
        return None
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--old-rev", default="c256dd2", help="git revision of the old code (default c256dd2)")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    t_new, s_new = timed(lambda: ind.solve_independent(2.0, 2.0, 0.2, **KW), args.repeats)
    rows.append(("new defaults (adaptive theta grid)", t_new, s_new.lambda_max, s_new.diagnostics["n_theta"]))
    near = ind.solve_independent(2.0, 1.95, 0.2, **KW)
    t_warm, s_warm = timed(lambda: ind.solve_independent(2.0, 2.0, 0.2, guess=near, **KW), args.repeats)
    rows.append(("new, warm start from I1 = 1.95", t_warm, s_warm.lambda_max, s_warm.diagnostics["n_theta"]))
    t_set, s_set = timed(lambda: ind.solve_independent(2.0, 2.0, 0.2, n_theta=64, **KW), args.repeats)
    rows.append(("old settings (n_theta = 64)", t_set, s_set.lambda_max, 64))
    old = old_module(args.old_rev)
    t_old = None
    if old is not None:
        import meanfield as mf
        from meanfield.inputs import SineInput
        net = mf.BalancedNetwork(5000, 2.0, 1.0, 1.0, input=SineInput(2.0, 0.2, "independent"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_old, s_old = timed(lambda: old.solve_independent(net), max(2, args.repeats // 3))
        rows.append((f"old code ({args.old_rev})", t_old, s_old.lambda_max, s_old.diagnostics["n_theta"]))
    ref = rows[-1][2]
    print("\nbalanced ReLU, g = 2, K = N = 5000, f = 0.2, I1 = 2 (chaotic branch; lambda_P computed too)\n")
    print("| run | min s | median s | lambda_max | n_theta | lambda - last row |")
    print("|---|---|---|---|---|---|")
    for name, ts, lam, nth in rows:
        print(f"| {name} | {ts.min():.3f} | {np.median(ts):.3f} | {lam:.15f} | {nth} | {lam - ref:+.1e} |")
    print(f"\nspeed ratio, median (old settings / new): {np.median(t_set) / np.median(t_new):.1f}x")
    if t_old is not None:
        print(f"speed ratio, median (old code / new): {np.median(t_old) / np.median(t_new):.1f}x; "
              f"warm start: {np.median(t_old) / np.median(t_warm):.1f}x")
    ok = np.median(t_new) <= 0.2 and all(abs(r[2] - ref) <= 1e-6 for r in rows)
    print(f"target (<= 0.2 s, |dlambda| <= 1e-6): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
