"""Stationary DMFT: time and accuracy of lambda_max (issue #3, speed part).

Times ``solve_scs(2.0)`` (tanh) and ``solve_balanced(2.0, 1.0, 1.0, 5000)`` (ReLU) after a warm-up
call (Numba compilation excluded), reports the relative error of lambda_max against a tightly
refined reference (Richardson on spacings h_ref, h_ref/2 with the same stationary solution) and
the grid-refinement table with observed orders.  Run from the repository root:

    python benchmarks/bench_dmft_stationary.py [--repeats 15] [--h-ref 0.0025]

Targets: <= 50 ms and <= 1e-8 relative error for SCS tanh at g = 2.
"""
import argparse
import os

import numpy as np

from meanfield import dmft

from meanfield.dmft import stationary as st  # noqa: E402

from _timing import timed  # noqa: E402  (benchmarks/_timing.py)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--h-ref", type=float, default=0.0025, help="spacing of the reference (default 0.0025)")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    cases = [("SCS tanh g=2", lambda: dmft.solve_scs(2.0), dict(g=2.0)),
             ("balanced ReLU g=2 (K=5000)", lambda: dmft.solve_balanced(2.0, 1.0, 1.0, 5000),
              dict(g=2.0, phi="relu", network="balanced"))]
    print("\n| case | min ms | median ms | machine busy | lambda_max | reference | rel. error | est. error |")
    print("|---|---|---|---|---|---|---|---|")
    tables = []
    for name, fn, kw in cases:
        ts, sol, busy = timed(fn, args.repeats)
        conv = st.lambda_convergence(hs=(0.16, 0.08, 0.04, 0.02, 0.01), h_reference=args.h_ref, **kw)
        rel = abs(sol.lambda_max - conv.reference) / conv.reference
        print(f"| {name} | {ts.min():.1f} | {np.median(ts):.1f} | {100 * busy:.0f} % | "
              f"{sol.lambda_max:.15f} | "
              f"{conv.reference:.15f} | {rel:.1e} | {sol.lambda_max_error / sol.lambda_max:.1e} |")
        tables.append((name, sol, conv))
    for name, sol, conv in tables:
        print(f"\n### {name}: grid refinement (default h = {sol.diagnostics['grid_spacing']:.4g}, "
              f"box L = {conv.parameters['box_length']:.1f}, reference h = {conv.h_reference:g})\n")
        print(conv.table())
    print("\nest. error = the solver's lambda_max_error (|lambda(h/2) - lambda_Richardson|, the error of the "
          "unextrapolated value: a loose upper bound).  'machine busy' = share of all cores in use during "
          "the timed repeats (this process included): other load inflates the times.")


if __name__ == "__main__":
    main()
