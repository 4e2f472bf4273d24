"""Random-matrix theory of the Lyapunov spectrum (issue #9): speed of the free law against QR.

Times, in one process and after a warm-up call (Numba compilation excluded):

1. ``rmt.free_spectrum(g, N=1000)`` -- the whole free-law result for N = 1000 exponents (DMFT
   solve, quadrature nodes, table, 1000 quantiles, D/N, H/N, mean) and ``FreeLaw.quantile`` of the
   1000 rank fractions alone.  Target: <= 50 ms.
2. One QR simulation (``meanfield.lyapunov_spectrum``, threads=1) of the discrete-time network
   ``RandomNetwork(N_sim, g, time="discrete", seed=1)`` run until the block standard error of its
   D/N is below ``--se-target`` (relative; default 1 %, the size of the finite-N bias of the law's
   D/N at N = 300 is 1-6 %): T doubles from 500 until reached.  Reported: its time and D/N, the
   law's D/N, and the ratio simulation time / theory time.
3. The time per iteration of the full N = 1000 QR spectrum (a short run), and T x that as the
   cost of a simulation of the benchmark's own size (an extrapolation, labelled as such).

Run from the repository root (meanfield installed with ``pip install -e .``, or with
``PYTHONPATH=.``)::

    python benchmarks/bench_rmt.py [--g 2] [--repeats 20] [--n-sim 300] [--se-target 0.01] [--quick]
"""
import argparse
import os
import time

import numpy as np

import meanfield as mf
from meanfield.rmt.free import FreeLaw, free_spectrum

from _timing import timed  # noqa: E402  (benchmarks/_timing.py)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--g", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--n-sim", type=int, default=300, help="size of the QR simulation (default 300)")
    ap.add_argument("--se-target", type=float, default=0.01, help="relative SE of D/N to reach")
    ap.add_argument("--quick", action="store_true", help="3 repeats, one QR run of T = 500, no N = 1000 run")
    args = ap.parse_args()
    reps = 3 if args.quick else args.repeats
    g = args.g
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")

    ts, res, busy = timed(lambda: free_spectrum(g, N=1000), reps)
    u = (np.arange(1, 1001) - 0.5) / 1000
    law = FreeLaw(g)
    tq, _, _ = timed(lambda: law.quantile(u), reps)
    print("\n| theory (free law, tanh, g = %g) | min ms | median ms | machine busy |" % g)
    print("|---|---|---|---|")
    print(f"| free_spectrum(g, N=1000): all of it | {ts.min():.1f} | {np.median(ts):.1f} | "
          f"{100 * busy:.0f} % |")
    print(f"| FreeLaw.quantile of 1000 u_i | {tq.min():.1f} | {np.median(tq):.1f} | |")
    print(f"\nlaw: lambda_max = {res.lambda_max:.6f}, D/N = {res.dimension_per_N:.5f}, "
          f"H/N = {res.entropy_rate_per_N:.6f}, mean = {res.mean_exponent:.6f} (per iteration)")

    n = args.n_sim
    net = mf.RandomNetwork(n, g, time="discrete", seed=1)
    T = 500
    rows = []
    while True:
        t = time.perf_counter()
        sim = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=300, seed=11, threads=1, progress=False)
        dt = time.perf_counter() - t
        rel = sim.dimension_stderr / sim.dimension
        rows.append((T, dt, sim.dimension_per_N, sim.dimension_stderr / n, rel))
        if rel <= args.se_target or args.quick or T >= 16000:
            break
        T *= 2
    print(f"\n| QR simulation N = {n} (threads=1) | T | time s | D/N | SE | rel. SE |")
    print("|---|---|---|---|---|---|")
    for T_, dt, d, se, rel in rows:
        print(f"| | {T_} | {dt:.1f} | {d:.4f} | {se:.4f} | {100 * rel:.2f} % |")
    T_, dt, d, se, rel = rows[-1]
    law_n = free_spectrum(g, N=n)
    print(f"\nD/N: simulation {d:.4f} +- {se:.4f} (N = {n}), law {law_n.dimension_per_N:.4f} "
          f"(difference {100 * (d / law_n.dimension_per_N - 1):+.1f} %: finite-N bias and quenched q)")
    print(f"ratio QR time (T = {T_}, N = {n}) / free-law time (N = 1000 exponents, median): "
          f"{dt * 1e3 / np.median(ts):.0f}x")

    if not args.quick:
        big = mf.RandomNetwork(1000, g, time="discrete", seed=1)
        t = time.perf_counter()
        mf.lyapunov_spectrum(big, t_sim=10, t_warmup=0, t_warmup_tangent=0, seed=3, n_blocks=2, threads=1,
                             progress=False)
        per = (time.perf_counter() - t) / 10          # 10 QR iterations, set-up included (upper bound)
        print(f"\nN = 1000 full QR spectrum: {per * 1e3:.0f} ms per iteration (threads=1, set-up included); "
              f"T = {T_} iterations would take ~{per * T_:.0f} s (extrapolated), "
              f"{per * T_ * 1e3 / np.median(ts):.0f}x the free law")


if __name__ == "__main__":
    main()
