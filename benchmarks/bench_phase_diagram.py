"""Benchmark: 32 x 32 theory phase diagrams (f x I1), adaptive against brute force (issue 8, part 5).

Balanced ReLU network g = 2, J0 = I0 = 1, N = K = 5000; f log-spaced from 0.05 to 1 (1/tau);
I1 from 0 to --common-max (common input: two-time DMFT, solve_nonstationary) or to
--independent-max (independent input: stationary independent-input DMFT).  For each correlation:

1. the adaptive diagram ``phase_diagram(..., adaptive=True)`` on a process pool of --workers
   (2) workers, timed end to end after a warm-up call in every worker (Numba cache load);
2. brute force on a documented subset -- --brute-rows full rows spanning f (evenly spaced
   indices, first and last included; saved to benchmarks/out and reused with their timing by a
   later run of the same grid and settings unless --fresh-brute) plus, on every other row, the
   interpolated grid points next to the computed pair around the first sign change of
   lambda_max (the points where an interpolation error would move the critical curve) -- on
   the same pool and solver settings;
3. the largest |lambda_adaptive - lambda_brute| over the subset (interpolated points; the
   computed ones are the same solver calls and must agree bit for bit, which is checked), and
   the largest |I1c_adaptive - I1c_brute| over the full rows; the brute-force time of the
   full grid is extrapolated from the full rows (time per row x rows).  Wall times on a shared
   machine depend on the other jobs; the workers' CPU time (from /proc) divided by the number of
   workers is also reported -- the wall time of the same run on an otherwise idle machine.

Solver settings (``--settings``): "sweep" (default) runs the two-time DMFT at dt = 2^-3,
T = 192 tau (1536 steps; k seeded at 64 tau, fit over the last 96 tau), band 32 tau (2^8 steps),
Richardson order 2 -- about 1/7 of the reference order-2 cost; "reference" uses the solver
defaults (dt = 2^-4, 2^13 steps, band 2^9, order 2).  The independent-input solver runs with its
defaults unless ``--independent-options '{"tol": 1e-9}'`` (JSON) is given.  ``--check-settings``
additionally evaluates a few (f, I1) points at
the reference settings and prints the sweep settings' error there (slow: ~10-140 s a point).

    python benchmarks/bench_phase_diagram.py                      # both correlations, 32 x 32
    python benchmarks/bench_phase_diagram.py --correlation common --brute-rows 4
    python benchmarks/bench_phase_diagram.py --n-f 8 --n-a 16 --brute-rows 2       # smoke run
    python benchmarks/bench_phase_diagram.py --correlation common --brute-rows 0 \
        --make-brute-grid common brute.npz --brute-grid common brute.npz   # full grid (long)

Writes benchmarks/out/phase_diagram.json (and the .npz diagrams next to it).
"""
import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))       # measure the checkout this script is in
G, J0, I0, N = 2.0, 1.0, 1.0, 5000
# T = 192 tau: k seeded at 64 tau (>= band + 30 tau), fit over the last 96 tau (as T = 256 did)
SWEEP_NS = {"dt": 2.0 ** -3, "n_steps": 1536, "band": 2 ** 8, "order": 2, "transient": 1 / 3,
            "fit_skip": 0.25}


def _warm(seconds=0.5):
    """Import meanfield and load the Numba caches of the solvers in a worker."""
    import meanfield as mf
    from meanfield.dmft import lyapunov_max
    t = time.perf_counter()
    net = mf.BalancedNetwork(200, G, J0, I0)
    lyapunov_max(net)
    lyapunov_max(mf.BalancedNetwork(200, G, J0, I0, input=mf.SineInput(5.0, 0.2)), dt=0.25, n_steps=256,
                 band=32, order=1)
    time.sleep(max(0.0, seconds - (time.perf_counter() - t)))    # keep the worker busy: one task each
    return os.getpid()


def _cpu(pids):
    """CPU seconds (user + system) used so far by the worker processes (Linux /proc)."""
    tot = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            tot += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return math.nan
    return tot


def _options(correlation, args):
    if correlation == "common":
        return None if args.settings == "reference" else {"nonstationary": dict(SWEEP_NS)}
    opts = json.loads(args.independent_options) if args.independent_options else {}
    return {"independent": opts} if opts else None


def _point(f, a, correlation, options):
    """Brute-force lambda at one (f, I1) (module level for the pool)."""
    import meanfield as mf
    from meanfield.phase import theory_lambda, _unpack
    net = mf.BalancedNetwork(N, G, J0, I0, input=None if a == 0 else mf.SineInput(a, f, correlation))
    return _unpack(theory_lambda(net, **(options or {})))


def _near_crossing(pd, ix):
    """Interpolated grid indices next to the computed pair around the first sign change of row ix."""
    from meanfield.phase import _first_crossing
    row, comp = pd.lambda_max[0, ix], pd.computed[0, ix]
    ij = _first_crossing(row)
    if ij is None:
        return []
    i, j = ij
    out = []
    k = i - 1
    while k >= 0 and comp[k]:
        k -= 1
    if k >= 0:
        out.append(k)
    k = j + 1
    while k < row.size and comp[k]:
        k += 1
    if k < row.size:
        out.append(k)
    return out


def run(correlation, args, ex, outdir, pids):
    import meanfield as mf
    freqs = np.geomspace(0.05, 1.0, args.n_f)
    amax = args.common_max if correlation == "common" else args.independent_max
    amps = np.linspace(0.0, amax, args.n_a)
    net = mf.BalancedNetwork(N, G, J0, I0)
    options = _options(correlation, args)
    kw = dict(correlation=correlation, options=options, executor=ex, progress=False, on_error="nan")
    print(f"[{correlation}] adaptive {args.n_f} x {args.n_a}, I1 in [0, {amax}], options {options}",
          file=sys.stderr, flush=True)
    t0, c0 = time.perf_counter(), _cpu(pids)
    ad = mf.phase_diagram(net, "frequency", freqs, amps, adaptive=True, lambda_tol=args.lambda_tol,
                          n_coarse=args.n_coarse, anchor_stride=args.anchor_stride, **kw)
    t_ad, cpu_ad = time.perf_counter() - t0, _cpu(pids) - c0
    ad.save(os.path.join(outdir, f"phase_diagram_{correlation}_adaptive.npz"))
    n_comp = int(ad.computed.sum())
    print(f"[{correlation}] adaptive: {t_ad:.1f} s ({cpu_ad:.0f} worker CPU s), {n_comp} of "
          f"{ad.computed.size} points computed",
          file=sys.stderr, flush=True)

    # brute force: full rows spanning f
    rows = sorted({int(i) for i in np.round(np.linspace(0, args.n_f - 1, args.brute_rows))}) \
        if args.brute_rows > 0 else []
    res = {"correlation": correlation, "grid": [args.n_f, args.n_a], "amplitude_max": amax,
           "options": options, "lambda_tol": ad.parameters["adaptive"]["lambda_tol"],
           "n_coarse": ad.parameters["adaptive"]["n_coarse"], "workers": args.workers,
           "adaptive_seconds": t_ad, "adaptive_cpu_seconds": cpu_ad,
           "adaptive_idle_estimate_seconds": cpu_ad / args.workers, "adaptive_computed": n_comp,
           "points": int(ad.computed.size),
           "adaptive_errors": len(ad.parameters["errors"]), "brute_rows": rows}
    dl, dc, same = [], [], True
    if rows:
        # resumable: a finished file of the same sweep is reused with the timing stored next to it
        path = os.path.join(outdir, f"phase_diagram_{correlation}_brute_rows_{args.n_f}x{args.n_a}.npz")
        timing = path + ".json"
        reuse = (not args.fresh_brute and os.path.exists(path) and os.path.exists(timing)
                 and mf.PhaseDiagram.load(path).complete)
        if args.fresh_brute:
            for f in (path, timing):
                if os.path.exists(f):
                    os.remove(f)
        t0, c0 = time.perf_counter(), _cpu(pids)
        br = mf.phase_diagram(net, "frequency", freqs[rows], amps, output=path, **kw)
        t_br, cpu_br = time.perf_counter() - t0, _cpu(pids) - c0
        if reuse:
            with open(timing) as fh:
                stored = json.load(fh)
            t_br, cpu_br = stored["seconds"], stored["cpu_seconds"]
            res["brute_rows_reused"] = stored
        else:
            with open(timing, "w") as fh:
                json.dump({"seconds": t_br, "cpu_seconds": cpu_br, "rows": rows,
                           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, fh)
        a_rows = ad.lambda_max[0, rows]
        c_rows = ad.computed[0, rows]
        fin = np.isfinite(br.lambda_max[0]) & np.isfinite(a_rows)
        same = bool(np.array_equal(a_rows[c_rows & fin], br.lambda_max[0][c_rows & fin]))
        d = np.abs(a_rows - br.lambda_max[0])
        dl.extend(d[fin & ~c_rows].tolist())
        ca, cb = ad.critical_amplitude[0, rows], br.critical_amplitude[0]
        both = np.isfinite(ca) & np.isfinite(cb)
        dc.extend(np.abs(ca - cb)[both].tolist())
        res.update(brute_rows_seconds=t_br, brute_rows_cpu_seconds=cpu_br,
                   brute_full_cpu_seconds_extrapolated=cpu_br / len(rows) * args.n_f,
                   brute_seconds_per_row=t_br / len(rows),
                   brute_full_seconds_extrapolated=t_br / len(rows) * args.n_f,
                   crossing_mismatch=int(np.sum(np.isfinite(ca) != np.isfinite(cb))),
                   computed_equal_bit_for_bit=same,
                   max_abs_dlambda_rows=float(np.max(d[fin])) if np.any(fin) else math.nan)
        print(f"[{correlation}] brute rows {rows}: {t_br:.1f} s ({cpu_br:.0f} worker CPU s)", file=sys.stderr,
              flush=True)
    # brute force: interpolated points next to the crossing on the other rows
    pts = [(ix, ia) for ix in range(args.n_f) if ix not in rows for ia in _near_crossing(ad, ix)]
    t0 = time.perf_counter()
    futs = [ex.submit(_point, float(freqs[ix]), float(amps[ia]), correlation, options) for ix, ia in pts]
    near = []
    for (ix, ia), fut in zip(pts, futs):
        try:
            lam = fut.result()[0]
        except Exception as exc:      # recorded, not fatal
            print(f"  point f={freqs[ix]:.3g} I1={amps[ia]:.3g} failed: {exc!r}", file=sys.stderr)
            continue
        near.append(abs(lam - ad.lambda_max[0, ix, ia]))
        # the sign must agree: else the adaptive row missed a crossing there
        if (lam > 0) != (ad.lambda_max[0, ix, ia] > 0):
            res.setdefault("sign_mismatch", []).append([ix, ia])
    dl.extend(near)
    res.update(near_points=len(pts), near_seconds=time.perf_counter() - t0,
               max_abs_dlambda_near=float(max(near)) if near else math.nan,
               max_abs_dlambda=float(max(dl)) if dl else math.nan,
               max_abs_dcritical=float(max(dc)) if dc else math.nan,
               critical_rows=int(np.sum(np.isfinite(ad.critical_amplitude))),
               brute_evaluations_subset=len(rows) * args.n_a + len(pts))
    if args.brute_grid and correlation in args.brute_grid:
        res.update(compare_grid(ad, args.brute_grid[correlation], freqs, amps))
    return res


def make_grid(path, correlation, args, ex, pids):
    """Brute force on the full grid (every point one task on the pool); an .npz of lam, err, fs, amps."""
    freqs = np.geomspace(0.05, 1.0, args.n_f)
    amax = args.common_max if correlation == "common" else args.independent_max
    amps = np.linspace(0.0, amax, args.n_a)
    options = _options(correlation, args)
    t0, c0 = time.perf_counter(), _cpu(pids)
    futs = {(i, j): ex.submit(_point, float(f), float(a), correlation, options)
            for i, f in enumerate(freqs) for j, a in enumerate(amps)}
    lam, err = np.full((args.n_f, args.n_a), np.nan), np.full((args.n_f, args.n_a), np.nan)
    for (i, j), fut in futs.items():
        try:
            lam[i, j], err[i, j] = fut.result()
        except Exception as exc:      # recorded as NaN
            print(f"  point f={freqs[i]:.3g} I1={amps[j]:.3g} failed: {exc!r}", file=sys.stderr)
    np.savez(path, lam=lam, err=err, fs=freqs, amps=amps, seconds=time.perf_counter() - t0,
             cpu_seconds=_cpu(pids) - c0, options=json.dumps(options))
    print(f"[{correlation}] brute-force grid -> {path}", file=sys.stderr, flush=True)


def compare_grid(ad, path, freqs, amps):
    """The adaptive diagram against a full brute-force grid (``--brute-grid``): every point."""
    from meanfield.phase import _first_crossing
    with np.load(path) as z:
        lam, fs, am = z["lam"], z["fs"], z["amps"]
        cpu = float(z["cpu_seconds"]) if "cpu_seconds" in z.files else math.nan
    if not (np.allclose(fs, freqs, rtol=0, atol=1e-15) and np.allclose(am, amps, rtol=0, atol=1e-15)):
        raise SystemExit(f"--brute-grid {path}: another grid")
    a, c = ad.lambda_max[0], ad.computed[0]
    d = np.abs(a - lam)
    crit_a = ad.critical_amplitude[0]
    crit_b = np.full(lam.shape[0], np.nan)
    for ix in range(lam.shape[0]):
        ij = _first_crossing(lam[ix])
        if ij is not None:
            i, j = ij
            crit_b[ix] = amps[i] + (amps[j] - amps[i]) * lam[ix, i] / (lam[ix, i] - lam[ix, j])
    both = np.isfinite(crit_a) & np.isfinite(crit_b)
    return {"grid_file": os.path.abspath(path), "grid_max_abs_dlambda": float(np.nanmax(d)),
            "grid_points_above_lambda_tol": int(np.sum(d > ad.parameters["adaptive"]["lambda_tol"])),
            "grid_dlambda_p99": float(np.nanpercentile(d, 99)),
            "grid_max_abs_dcritical": (float(np.max(np.abs(crit_a - crit_b)[both])) if both.any()
                                       else math.nan),
            "grid_crossing_mismatch": int(np.sum(np.isfinite(crit_a) != np.isfinite(crit_b))),
            "grid_computed_equal_bit_for_bit": bool(np.array_equal(a[c], lam[c], equal_nan=True)),
            "grid_brute_cpu_seconds": cpu}


def check_settings(args, ex):
    """Sweep settings against the reference (solver defaults) at a few common-input points."""
    pts = [(f, a) for f in (0.05, 0.2, 1.0) for a in (40.0, 0.9 * args.common_max)]
    ref = [ex.submit(_point, f, a, "common", None) for f, a in pts]
    sw = [ex.submit(_point, f, a, "common", {"nonstationary": SWEEP_NS}) for f, a in pts]
    out = []
    for (f, a), r, s in zip(pts, ref, sw):
        (lr, er), (ls, es) = r.result(), s.result()
        out.append({"f": f, "I1": a, "reference": lr, "reference_error": er, "sweep": ls, "sweep_error": es,
                    "difference": ls - lr})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--correlation", nargs="+", default=["common", "independent"],
                    choices=["common", "independent"])
    ap.add_argument("--n-f", type=int, default=32, help="frequencies (log-spaced 0.05..1)")
    ap.add_argument("--n-a", type=int, default=32, help="amplitudes (0..max)")
    ap.add_argument("--common-max", type=float, default=80.0)
    ap.add_argument("--independent-max", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--brute-rows", type=int, default=4, help="full brute-force rows spanning f (0: none)")
    ap.add_argument("--lambda-tol", type=float, default=None,
                    help="adaptive tolerance (default the library's)")
    ap.add_argument("--n-coarse", type=int, default=None,
                    help="coarse amplitudes per row (default the library's)")
    ap.add_argument("--anchor-stride", type=int, default=None,
                    help="anchor rows every ANCHOR_STRIDE rows (default the library's; 1: rows on their own)")
    ap.add_argument("--brute-grid", nargs=2, action="append", metavar=("CORRELATION", "NPZ"),
                    help="compare with a full brute-force grid file (from --make-brute-grid)")
    ap.add_argument("--make-brute-grid", nargs=2, action="append", metavar=("CORRELATION", "NPZ"),
                    help="compute the full brute-force grid of CORRELATION into NPZ (long), then go on")
    ap.add_argument("--settings", choices=["sweep", "reference"], default="sweep",
                    help="two-time DMFT settings (common input)")
    ap.add_argument("--independent-options", default=None, help="JSON options of the independent solver")
    ap.add_argument("--check-settings", action="store_true", help="sweep vs reference settings (slow)")
    ap.add_argument("--fresh-brute", action="store_true",
                    help="recompute the brute-force rows (default: reuse a finished file of the same sweep)")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "phase_diagram.json"))
    args = ap.parse_args(argv)
    args.brute_grid = dict(args.brute_grid or [])
    outdir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(outdir, exist_ok=True)

    import meanfield
    report = {"meanfield": meanfield.__version__, "file": meanfield.__file__, "cpus": os.cpu_count(),
              "load_average_start": os.getloadavg(), "argv": sys.argv[1:], "results": []}
    with ProcessPoolExecutor(args.workers) as ex:
        t0 = time.perf_counter()
        pids = [f.result() for f in [ex.submit(_warm) for _ in range(args.workers)]]
        report["warmup_seconds"] = time.perf_counter() - t0
        print(f"warm-up {report['warmup_seconds']:.1f} s in workers {pids}", file=sys.stderr, flush=True)
        for c, path in args.make_brute_grid or []:
            make_grid(path, c, args, ex, pids)
        for c in args.correlation:
            report["results"].append(run(c, args, ex, outdir, pids))
            report["load_average_end"] = os.getloadavg()
            with open(args.out, "w") as fh:
                json.dump(report, fh, indent=1, default=str)
        if args.check_settings:
            report["settings_check"] = check_settings(args, ex)
    report["load_average_end"] = os.getloadavg()
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1, default=str)

    print(f"\n32 x 32 target: <= 60 s per correlation on 2 cores.  load average at start "
          f"{report['load_average_start'][0]:.1f}, end {report['load_average_end'][0]:.1f} "
          f"(2 cores; > 2 means other jobs shared them).  'CPU s / workers' is the workers' CPU time "
          f"divided by their number: the wall time on an otherwise idle machine.\n")
    print("| correlation | grid | adaptive wall s | adaptive CPU s / workers | computed | "
          "brute CPU s / workers, full grid (extrapolated) | max abs dλ (subset) | max abs dI1c (rows) | "
          "computed == brute |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in report["results"]:
        full = r.get("brute_full_cpu_seconds_extrapolated", math.nan) / args.workers
        print(f"| {r['correlation']} | {r['grid'][0]}x{r['grid'][1]} | {r['adaptive_seconds']:.1f} | "
              f"{r['adaptive_idle_estimate_seconds']:.1f} | {r['adaptive_computed']}/{r['points']} | "
              f"{full:.0f} | "
              f"{r['max_abs_dlambda']:.2e} | {r['max_abs_dcritical']:.2e} | "
              f"{r.get('computed_equal_bit_for_bit', '-')} |")
        if "grid_max_abs_dlambda" in r:
            print(f"  full brute-force grid ({r['grid_file']}): max |dλ| {r['grid_max_abs_dlambda']:.2e}, "
                  f"{r['grid_points_above_lambda_tol']} points above lambda_tol, 99th percentile "
                  f"{r['grid_dlambda_p99']:.1e}, max |dI1c| {r['grid_max_abs_dcritical']:.2e}, "
                  f"crossing mismatches {r['grid_crossing_mismatch']}, computed bit for bit "
                  f"{r['grid_computed_equal_bit_for_bit']}, brute CPU {r['grid_brute_cpu_seconds']:.0f} s")
    for s in report.get("settings_check", []):
        print(f"settings f={s['f']:g} I1={s['I1']:g}: reference {s['reference']:+.5f} "
              f"± {s['reference_error']:.1e}, sweep {s['sweep']:+.5f} ± {s['sweep_error']:.1e}, "
              f"difference {s['difference']:+.1e}")
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
