"""Measurements behind the accuracy statements of :mod:`meanfield.rmt` (theory against QR simulation).

Each subcommand prints one line per run; the numbers quoted in the module docstrings and the
tests come from these commands (run from the repository root)::

    python -m meanfield.rmt.validate identities                 # exact identities, mpmath quantiles
    python -m meanfield.rmt.validate free --N 300 --T 3000 --seeds 1,2,3,4 --g 2,3
    python -m meanfield.rmt.validate annealed --g 2 --sizes 100,200,400
    python -m meanfield.rmt.validate snapshot --N 200 --T 300 --seeds 1,2 --g 2,3

``free``: discrete-time tanh networks against the free law with the DMFT q and with the
network's own time-averaged q (``q_emp``): bulk RMS over u <= 0.95, λ_1, D/N and H/N with block
standard errors.  ``annealed``: products with a fresh J every step and DMFT gains against the law.
``snapshot``: continuous-time networks (RK4) against the snapshot and near-onset approximations.
"""
import argparse
import math
import time

import numpy as np


def network_q(net, n=2000, warm=300, seed=99):
    """Time average of mean h^2 on the attractor of the map h -> J phi(h) (leak 1)."""
    J, phi = net.J, net.nonlinearity
    h = np.random.default_rng(seed).standard_normal(net.N)
    for _ in range(warm):
        h = J @ phi(h)
    acc = 0.0
    for _ in range(n):
        h = J @ phi(h)
        acc += float(np.mean(h * h))
    return acc / n


def _bulk_rms(a, b, N, u_max=0.95):
    u = (np.arange(N) + 0.5) / N
    m = u <= u_max
    return float(np.sqrt(np.mean((a - b)[m] ** 2)))


def cmd_identities(args):
    from .. import gaussian as G
    from .free import FreeLaw, free_spectrum
    for g, phi in ((2.0, "tanh"), (3.0, "tanh"), (2.0, "erf")):
        law = FreeLaw(g, phi)
        res = free_spectrum(g, phi, N=1000)
        top = 0.5 * math.log(g * g * G.expect("dphi2", 0.0, law.q, phi=phi))
        eln = -2.0 * G.expect("Phi", 0.0, law.q, phi="tanh") if phi == "tanh" else -math.pi * law.q / 4
        mean = math.log(g) - 0.5 + eln
        print(f"{phi} g={g}: |lambda(u=1e-10) - 1/2 ln(g^2 E d^2)| = {abs(law.quantile(1e-10) - top):.1e}, "
              f"|mean - (ln g - 1/2 + E ln|d|)| = {abs(res.mean_exponent - mean):.1e}, "
              f"D/N = {res.dimension_per_N:.6f}, H/N = {res.entropy_rate_per_N:.6f}", flush=True)


def cmd_free(args):
    import meanfield as mf

    from .free import free_spectrum
    from .newman import newman_spectrum
    N, T = args.N, args.T
    for g in args.g:
        law = free_spectrum(g, N=N)
        for seed in args.seeds:
            t0 = time.time()
            net = mf.RandomNetwork(N, g, time="discrete", seed=seed)
            sim = mf.lyapunov_spectrum(net, t_sim=T, t_warmup=300, seed=seed + 10, threads=1, progress=False)
            q = network_q(net)
            own = free_spectrum(g, N=N, q=q)
            newman = newman_spectrum(N, math.exp(2 * law.lambda_max))
            print(f"g={g} N={N} seed={seed} T={T} ({time.time() - t0:.0f} s): q_emp={q:.4f} (DMFT "
                  f"{law.settings['q']:.4f}); bulk RMS {_bulk_rms(sim.exponents, law.exponents, N):.4f} "
                  f"(own q {_bulk_rms(sim.exponents, own.exponents, N):.4f}, Newman "
                  f"{_bulk_rms(sim.exponents, newman.exponents, N):.2f}); lambda_1 {sim.exponents[0]:.4f} vs "
                  f"{law.exponents[0]:.4f} (own q {own.exponents[0]:.4f}); D/N {sim.dimension_per_N:.4f} +- "
                  f"{sim.dimension_stderr / N:.4f} vs {law.dimension_per_N:.4f} "
                  f"(own q {own.dimension_per_N:.4f}); "
                  f"H/N {sim.entropy_rate_per_N:.5f} +- {sim.entropy_rate_stderr / N:.5f} vs "
                  f"{law.entropy_rate_per_N:.5f} (own q {own.entropy_rate_per_N:.5f})", flush=True)


def cmd_annealed(args):
    from .free import free_spectrum
    from .newman import annealed_spectrum
    for g in args.g:
        for N in args.sizes:
            T = max(1000, 400000 // N)
            t0 = time.time()
            r = annealed_spectrum(g, "tanh", N=N, gains="dmft", t_sim=T, t_warmup=20, seed=5)
            f = free_spectrum(g, N=N)
            print(f"annealed g={g} N={N} T={T} ({time.time() - t0:.0f} s): bulk RMS "
                  f"{_bulk_rms(r.exponents, f.exponents, N):.4f}; D/N {r.dimension_per_N:.4f} +- "
                  f"{r.dimension_stderr / N:.4f} vs {f.dimension_per_N:.4f}; "
                  f"H/N {r.entropy_rate_per_N:.5f} +- "
                  f"{r.entropy_rate_stderr / N:.5f} vs {f.entropy_rate_per_N:.5f}", flush=True)


def cmd_snapshot(args):
    import meanfield as mf

    from .semicircle import semicircle_spectrum
    from .snapshot import snapshot_spectrum
    N = args.N
    for g in args.g:
        snap = snapshot_spectrum(g, N=N)
        semi = semicircle_spectrum(g, N=N)
        for seed in args.seeds:
            t0 = time.time()
            sim = mf.lyapunov_spectrum(mf.RandomNetwork(N, g, seed=seed), t_sim=args.T, t_warmup=100,
                                       seed=seed + 20, threads=1, progress=False)
            print(f"g={g} N={N} seed={seed} T={args.T} ({time.time() - t0:.0f} s): snapshot bulk RMS "
                  f"{_bulk_rms(sim.exponents, snap.exponents, N):.4f} (near-onset semicircle "
                  f"{_bulk_rms(sim.exponents, semi.exponents, N):.4f}); lambda_1 {sim.exponents[0]:.4f} vs "
                  f"{snap.exponents[0]:.4f}; D/N {sim.dimension_per_N:.4f} vs {snap.dimension_per_N:.4f}; "
                  f"H/N {sim.entropy_rate_per_N:.5f} vs {snap.entropy_rate_per_N:.5f}", flush=True)


def _floats(s):
    return [float(x) for x in s.split(",")]


def _ints(s):
    return [int(x) for x in s.split(",")]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m meanfield.rmt.validate", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("identities")
    p = sub.add_parser("free")
    p.add_argument("--N", type=int, default=300)
    p.add_argument("--T", type=int, default=3000)
    p.add_argument("--seeds", type=_ints, default=[1, 2])
    p.add_argument("--g", type=_floats, default=[2.0, 3.0])
    p = sub.add_parser("annealed")
    p.add_argument("--g", type=_floats, default=[2.0])
    p.add_argument("--sizes", type=_ints, default=[100, 200, 400])
    p = sub.add_parser("snapshot")
    p.add_argument("--N", type=int, default=200)
    p.add_argument("--T", type=float, default=300.0)
    p.add_argument("--seeds", type=_ints, default=[1, 2])
    p.add_argument("--g", type=_floats, default=[2.0, 3.0])
    args = ap.parse_args(argv)
    {"identities": cmd_identities, "free": cmd_free, "annealed": cmd_annealed,
     "snapshot": cmd_snapshot}[args.cmd](args)


if __name__ == "__main__":
    main()
