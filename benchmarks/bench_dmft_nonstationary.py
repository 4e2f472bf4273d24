"""Benchmark: one lambda_max of the non-stationary DMFT at the published reference grid.

Grid of [EIKGA]: Delta = 2^-4, 2^13 steps, band 2^9 steps (32 tau), first-order scheme;
g = 2, I0 = J0 = 1, N = K = 5000, common sine input f = 0.2, I1 = 10.

Prints the breakdown (first call = compile or cache load, m/c/r integration, k integration,
fit), the same run on Numba threads (threads=2), and the cost of the published method --
adaptive quadrature (scipy.integrate.dblquad) for q_phi and q_phi' in every cell -- timed on
a subsample of the run's own cells and extrapolated to the full run.

tanh row: the same grid and input with phi = tanh and I0 = 0.5 (tanh < 1 cannot balance
I0/J0 = 1): cells by the Mehler series, timed against the library's nested quadrature
(GK.q2 per cell, the path before the series) on sampled cells, extrapolated.

    python benchmarks/bench_dmft_nonstationary.py [--cells 40] [--repeats 3] [--no-tanh]
"""
import argparse
import math
import os
import sys
import time

import numpy as np

DT, N_STEPS, BAND = 2.0 ** -4, 2 ** 13, 2 ** 9
G, J0, I0, K, F, I1 = 2.0, 1.0, 1.0, 5000, 0.2, 10.0


def _phi_q(m1, m2, v1, v2, c, dphi):
    """E[f(h1) f(h2)] by scipy dblquad over two standard normals (Cholesky, z2 | z1), limits +-8,
    restricted to the quadrant h1, h2 > 0 so that the integrand is smooth (kinks on the limits)."""
    from scipy.integrate import dblquad
    s1 = math.sqrt(v1)
    b = c / s1
    s2 = math.sqrt(max(v2 - b * b, 0.0))
    norm = 1.0 / (2.0 * math.pi)
    lo1 = max(-8.0, -m1 / s1)

    def lo2(z1):
        return min(8.0, max(-8.0, -(m2 + b * z1) / s2))

    if dphi:
        def f(z2, z1):
            return norm * math.exp(-0.5 * (z1 * z1 + z2 * z2))
    else:
        def f(z2, z1):
            return norm * (m1 + s1 * z1) * (m2 + b * z1 + s2 * z2) * math.exp(-0.5 * (z1 * z1 + z2 * z2))
    if lo1 >= 8.0:
        return 0.0
    return dblquad(f, lo1, 8.0, lo2, 8.0)[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=40, help="cells timed with dblquad (each kind)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the timed solver calls (min taken)")
    ap.add_argument("--no-tanh", action="store_true", help="skip the tanh row")
    args = ap.parse_args(argv)

    from meanfield import _gauss_kernels as GK
    from meanfield.dmft import nonstationary as NS
    from meanfield.inputs import SineInput

    print(f"# non-stationary DMFT benchmark: Delta = 2^-4, {N_STEPS} steps, band {BAND}; g = {G}, "
          f"I0 = J0 = {I0}, K = N = {K}, f = {F}, I1 = {I1}; cpus = {os.cpu_count()}, "
          f"load average = {os.getloadavg()[0]:.2f}")
    kw = dict(g=G, J0=J0, I0=I0, K=K, input=SineInput(I1, F), dt=DT, n_steps=N_STEPS, band=BAND, order=1)
    t = time.perf_counter()
    NS.solve_nonstationary(g=G, J0=J0, I0=I0, K=K, input=SineInput(I1, F), dt=0.25, n_steps=64, band=8,
                           order=1)
    NS.solve_nonstationary(g=G, J0=J0, I0=I0, K=K, input=SineInput(I1, F), dt=0.25, n_steps=64, band=8,
                           order=1, threads=2)
    first = time.perf_counter() - t
    print(f"first calls (Numba compile, or load from the on-disk cache): {first:.2f} s")

    p = NS._problem(None, G, J0, I0, K, None, SineInput(I1, F))
    seed_step = N_STEPS // 2
    common = I1 * np.sin(2 * math.pi * F * DT * np.arange(N_STEPS + 1))

    def level(do_k, threads=1):
        return NS._run_level(p, DT, N_STEPS, BAND, seed_step, common, lambda lags: np.zeros(lags.size),
                             lambda h: (0.0, 0.0, 0.0, 0), False, threads, 32, do_k=do_k)

    t_mcr = min(level(False)["seconds"] for _ in range(args.repeats))
    runs = [level(True) for _ in range(args.repeats)]
    t_all = min(r["seconds"] for r in runs)
    run = runs[0]
    t_par = min(level(True, threads=2)["seconds"] for _ in range(args.repeats))
    tt = DT * np.arange(N_STEPS + 1)
    t0 = 0.5 * N_STEPS * DT + 0.25 * 0.5 * N_STEPS * DT
    sel = tt >= t0
    t = time.perf_counter()
    for _ in range(args.repeats):
        lam, err, det = NS._fit_lambda(tt[sel], 0.5 * run["logk"][sel], 1.0 / F)
    t_fit = (time.perf_counter() - t) / args.repeats
    t = time.perf_counter()
    sol = NS.solve_nonstationary(**kw)
    t_api = time.perf_counter() - t
    n_cells = N_STEPS * (BAND + 1)
    print()
    print("| part | seconds |")
    print("|---|---|")
    print(f"| m, c, r integration ({n_cells / 1e6:.1f}M cells of q_phi) | {t_mcr:.3f} |")
    print(f"| k, l integration (q_phi' shares q_phi's Phi2; the recursion) | {t_all - t_mcr:.3f} |")
    print(f"| fit of 1/2 ln k(t,t) | {t_fit:.4f} |")
    print(f"| **total, 1 thread** | **{t_all + t_fit:.3f}** |")
    print(f"| total, threads=2 (rows split over Numba threads) | {t_par + t_fit:.3f} |")
    print(f"| solve_nonstationary(order=1) end to end | {t_api:.3f} |")
    print(f"\nlambda_max = {sol.lambda_max:.8f} (first order; fit error {sol.lambda_max_error:.1e})")

    # adaptive quadrature on a subsample of this run's cells (rows in the k part of the run)
    rng = np.random.default_rng(0)
    m, v, band = run["m"], run["v"], run["band"]
    rows = np.nonzero(np.arange(band.shape[0]) * 32 >= seed_step)[0]
    cells = []
    for _ in range(args.cells):
        i = int(rng.choice(rows))
        n = i * 32
        d = int(rng.integers(1, BAND + 1))
        cells.append((m[n - d], m[n], v[n - d], v[n], band[i, d]))
    errs = []
    times = {}
    for dphi in (False, True):
        t = time.perf_counter()
        vals = [_phi_q(*c, dphi) for c in cells]
        times[dphi] = (time.perf_counter() - t) / len(cells)
        for c, val in zip(cells, vals):
            ref = GK.relu_q_dphi(*c) if dphi else GK.relu_q_phi(*c)
            errs.append(abs(val - ref) / max(abs(ref), 1e-300))
    t = time.perf_counter()
    for _ in range(1000):
        for c in cells:
            GK.relu_pair(*c)
    t_cf = (time.perf_counter() - t) / (1000 * len(cells))
    n_phi, n_dphi = n_cells, n_cells // 2
    t_adapt = n_phi * times[False] + n_dphi * times[True]
    print()
    print(f"adaptive quadrature (scipy dblquad on the positive quadrant, default tolerances), "
          f"{len(cells)} cells of each kind sampled from the run and extrapolated:")
    print(f"  q_phi  {times[False] * 1e3:.2f} ms/cell x {n_phi / 1e6:.1f}M cells")
    print(f"  q_phi' {times[True] * 1e3:.2f} ms/cell x {n_dphi / 1e6:.1f}M cells")
    print(f"  extrapolated full run: {t_adapt:.0f} s = {t_adapt / 3600:.1f} h (not run)")
    print(f"  closed form, both kinds at once: {t_cf * 1e6:.3f} us/cell "
          f"(called from Python: the in-kernel cost is lower)")
    print(f"  max relative difference dblquad vs closed form on the sample: {max(errs):.1e}")
    print(f"\nratio adaptive / closed-form solver (1 thread): {t_adapt / (t_all + t_fit):.0f}x")
    if not args.no_tanh:
        _tanh_row(args)
    return 0


I0_TANH = 0.5


def _tanh_row(args):
    from meanfield import _gauss_kernels as GK
    from meanfield.dmft import nonstationary as NS
    from meanfield.dmft import _ns_kernels as NK
    from meanfield.dmft._mehler_kernels import hermite_weights as _hermite_weights
    from meanfield.inputs import SineInput

    kw = dict(g=G, J0=J0, I0=I0_TANH, K=K, phi="tanh", input=SineInput(I1, F), dt=DT, n_steps=N_STEPS,
              band=BAND, order=1)
    t = time.perf_counter()
    NS.solve_nonstationary(**dict(kw, dt=0.25, n_steps=64, band=8))
    first = time.perf_counter() - t
    p = NS._problem(None, G, J0, I0_TANH, K, "tanh", SineInput(I1, F))
    seed_step = N_STEPS // 2
    common = I1 * np.sin(2 * math.pi * F * DT * np.arange(N_STEPS + 1))

    def level(do_k):
        return NS._run_level(p, DT, N_STEPS, BAND, seed_step, common, lambda lags: np.zeros(lags.size),
                             lambda h: (0.0, 0.0, 0.0, 0), False, 1, 32, do_k=do_k, series=True)

    t_mcr = min(level(False)["seconds"] for _ in range(args.repeats))
    runs = [level(True) for _ in range(args.repeats)]
    t_all = min(r["seconds"] for r in runs)
    run = runs[0]
    t = time.perf_counter()
    sol = NS.solve_nonstationary(**kw)
    t_api = time.perf_counter() - t
    ser = sol.diagnostics["series"]
    print(f"\n# tanh, I0 = {I0_TANH} (other parameters as above), Mehler-series cells")
    print(f"first call (compile or cache load): {first:.2f} s")
    print("\n| part | seconds |")
    print("|---|---|")
    print(f"| m, c, r integration (coefficients of phi, series cells) | {t_mcr:.3f} |")
    print(f"| k, l integration (coefficients of phi', series cells) | {t_all - t_mcr:.3f} |")
    print(f"| **solve_nonstationary(phi='tanh', order=1) end to end** | **{t_api:.3f}** |")
    print(f"\nlambda_max = {sol.lambda_max:.8f}; variance in [{sol.variance.min():.3f}, "
          f"{sol.variance.max():.3f}]; series: {ser['evaluations'] / 1e6:.2f}M cell evaluations, "
          f"{ser['fallback']} fell back to quadrature ({ser['fallback_fraction']:.1e}), "
          f"max {ser['max_terms']} terms, "
          f"{ser['truncated_time_points']} time points truncated at {ser['term_cap']} terms")
    # nested quadrature (GK.q2) on cells sampled from this run, and the series on the same cells
    rng = np.random.default_rng(0)
    m, v, band = run["m"], run["v"], run["band"]
    rows = np.nonzero(np.arange(band.shape[0]) * 32 >= seed_step)[0]
    cells = []
    for _ in range(args.cells):
        i = int(rng.choice(rows))
        n = i * 32
        d = int(rng.integers(0, BAND + 1))
        cells.append((m[n - d], m[n], v[n - d], v[n], band[i, d]))
    Z, W = _hermite_weights()
    times, diffs = {}, []
    for fk in (GK.F_PHI, GK.F_DPHI):
        GK.q2(GK.TANH, fk, *cells[0])
        t = time.perf_counter()
        ref = [GK.q2(GK.TANH, fk, *c) for c in cells]
        times[fk] = (time.perf_counter() - t) / len(cells)
        for c, r in zip(cells, ref):
            val, ok, na, nb = NK.series_q2(GK.TANH, fk, *c, Z, W, 1600)
            if ok:
                diffs.append(abs(val - r))
    n_cells = N_STEPS * (BAND + 1)
    t_quad = n_cells * times[GK.F_PHI] + n_cells // 2 * times[GK.F_DPHI]
    print(f"\nnested quadrature (GK.q2), {len(cells)} cells of each kind sampled from the run: "
          f"q_phi {times[GK.F_PHI] * 1e3:.2f} ms, q_phi' {times[GK.F_DPHI] * 1e3:.2f} ms per cell")
    print(f"  extrapolated full run: {t_quad:.0f} s = {t_quad / 60:.0f} min (not run); "
          f"ratio to the series solver: {t_quad / t_all:.0f}x")
    print(f"  max |series - quadrature| on the sample: {max(diffs):.1e}")


if __name__ == "__main__":
    sys.exit(main())
