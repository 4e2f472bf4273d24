"""Wall time of a full single-site spectrum at default accuracy (physics.md §6.3), and its ratio to a
QR simulation that reaches a given accuracy in D/N.

    nice -n 15 python benchmarks/bench_rmt_single_site.py 3 5                 # g values, theory only
    nice -n 15 python benchmarks/bench_rmt_single_site.py 2 3 5 --qr-N 1000 --se-target 0.02 \\
        --cache rmt_cache                                                       # + the QR ratio

Prints, per g: seconds (wall and CPU), fixed-point sweeps, thresholds, D/N, H/N, the top edge of the
computed F against the DMFT lambda_max.  With ``--qr-N``: a QR simulation (RK4, dt = 0.1, t_ons = 1,
one BLAS thread) of ``RandomNetwork(N, g, seed=1)`` with k = ceil(1.5 D_theory)
exponents -- D and H need only the first ~D -- run for T = T0, 2 T0, ... τ (T0 = 500) until the block
standard error of its D/N is below ``--se-target`` (relative) or T reaches ``--T-max``; its CPU time
(summed over the doubling runs actually needed: the last one alone if cached runs are reused) and
the ratio QR CPU / theory CPU.  The QR's statistical error is only part of its error: the
finite-N bias and the seed-to-seed (quenched) spread of D/N are measured by
``python -m meanfield.rmt.validate single-site``.
"""
import argparse
import math
import time

import meanfield as mf
from meanfield.rmt.single_site import single_site_spectrum
from meanfield.rmt.validate import qr_cached


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("g", type=float, nargs="*", default=[2.0, 3.0, 5.0])
    ap.add_argument("--qr-N", type=int, default=0, help="size of the QR comparison (0: none)")
    ap.add_argument("--se-target", type=float, default=0.02, help="relative SE of the QR's D/N to reach")
    ap.add_argument("--T0", type=float, default=500.0, help="first QR accumulation time (doubled)")
    ap.add_argument("--T-max", type=float, default=4000.0)
    ap.add_argument("--k", type=lambda v: [int(x) for x in v.split(",")], default=[],
                    help="QR exponents per g (default ceil(1.5 D_theory))")
    ap.add_argument("--cache", default="", help="folder of cached QR runs (meanfield.rmt.validate)")
    args = ap.parse_args()
    for ig, g in enumerate(args.g):
        t, c = time.perf_counter(), time.process_time()
        r = single_site_spectrum(g, N=1000)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        d = r.diagnostics
        print(f"g = {g:g}: {dt:6.1f} s (cpu {dc:.1f} s)  sweeps {d['sweeps']}  "
              f"thresholds {d['n_thresholds']}  "
              f"T {r.settings['T']:g} m {r.settings['m']} paths {r.settings['n_paths']}  "
              f"D/N {r.dimension_per_N:.5f}  H/N {r.entropy_rate_per_N:.6f}  "
              f"edge {d['edge_from_F']:.4f} vs lambda_max {r.lambda_max:.4f}", flush=True)
        if not args.qr_N:
            continue
        N = args.qr_N
        k = args.k[ig] if args.k else int(math.ceil(1.5 * r.dimension_per_N * N))
        T, cpu = args.T0, 0.0
        while True:
            sim, c_run = qr_cached(mf.RandomNetwork(N, g, seed=1), k, T, 101, cache=args.cache or None)
            cpu += c_run if c_run else sim.diagnostics.get("cpu_seconds", math.nan)
            rel = (sim.dimension_stderr / N) / sim.dimension_per_N if sim.dimension_stderr else math.inf
            if rel <= args.se_target or 2 * T > args.T_max:
                break
            T *= 2
        print(f"    QR N = {N}, k = {k}, T = {T:g}: D/N {sim.dimension_per_N:.5f} +- {100 * rel:.1f} % "
              f"({100 * (sim.dimension_per_N / r.dimension_per_N - 1):+.1f} % from the theory); "
              f"cpu {cpu:.0f} s; "
              f"ratio QR / theory (cpu) {cpu / dc:.1f}", flush=True)


if __name__ == "__main__":
    main()
