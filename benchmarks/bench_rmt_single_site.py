"""Wall time of a full single-site spectrum at default accuracy (physics.md §6.3).

    nice -n 15 python benchmarks/bench_rmt_single_site.py 3 5      # g values

Prints, per g: seconds, fixed-point sweeps, thresholds, D/N, H/N, the top edge of the computed F
against the DMFT lambda_max.
"""
import sys
import time

from meanfield.rmt.single_site import single_site_spectrum


def main(gs):
    for g in gs:
        t = time.perf_counter()
        r = single_site_spectrum(g, N=1000)
        dt = time.perf_counter() - t
        d = r.diagnostics
        print(f"g = {g:g}: {dt:6.1f} s  sweeps {d['sweeps']}  thresholds {d['n_thresholds']}  "
              f"T {r.settings['T']:g} m {r.settings['m']} paths {r.settings['n_paths']}  "
              f"D/N {r.dimension_per_N:.5f}  H/N {r.entropy_rate_per_N:.6f}  "
              f"edge {d['edge_from_F']:.4f} vs lambda_max {r.lambda_max:.4f}", flush=True)


if __name__ == "__main__":
    main([float(x) for x in sys.argv[1:]] or [2.0, 3.0, 5.0])
