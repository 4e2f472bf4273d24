"""Measurements behind the accuracy statements of :mod:`meanfield.rmt` (theory against QR simulation).

Each subcommand prints one line per run; the numbers quoted in the module docstrings and the
tests come from these commands (run from the repository root)::

    python -m meanfield.rmt.validate identities                 # exact identities, mpmath quantiles
    python -m meanfield.rmt.validate free --N 300 --T 3000 --seeds 1,2,3,4 --g 2,3
    python -m meanfield.rmt.validate annealed --g 2 --sizes 100,200,400
    python -m meanfield.rmt.validate snapshot --N 200 --T 300 --seeds 1,2 --g 2,3
    python -m meanfield.rmt.validate balanced-fixed-point --g 0.8,1.2,1.35 --sizes 500,1000,2000

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


def qr_cached(model, k, T, seed, cache=None, dt=0.1, t_warmup=100.0, cached_only=False):
    """QR spectrum (RK4, dt, t_ons = 1, threads=1) of the first k exponents, cached in ``cache``.

    The cache file name holds every parameter, so a changed run never reuses a stale file.
    ``cached_only``: return (None, 0.0) instead of running a missing case.
    """
    import os

    import meanfield as mf
    from ..lyapunov import LyapunovResult
    path = None
    if cache:
        os.makedirs(cache, exist_ok=True)
        p = model._params()
        tag = "_".join(f"{key}{p[key]}" for key in sorted(p))
        dt_tag = "map" if dt is None else f"{dt:g}"
        path = os.path.join(cache, f"{type(model).__name__}_{tag}_mseed{model.seed}_k{k}_T{T:g}_dt{dt_tag}_"
                                   f"w{t_warmup:g}_s{seed}.npz")
        if os.path.exists(path):
            return LyapunovResult.load(path), 0.0
    if cached_only:
        return None, 0.0
    t0 = time.process_time()
    kw = {} if dt is None else {"dt": dt, "integrator": "rk4"}
    r = mf.lyapunov_spectrum(model, n_exponents=k, t_sim=T, t_warmup=t_warmup, seed=seed, threads=1,
                             progress=False, **kw)
    cpu = time.process_time() - t0
    r.diagnostics["cpu_seconds"] = cpu
    if path:
        r.save(path)
    return r, cpu


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


def _theory_cached(key, make, cache):
    import os

    from .results import RMTSpectrum
    path = os.path.join(cache, f"theory_{key}.npz") if cache else None
    if path and os.path.exists(path):
        return RMTSpectrum.load(path)
    t0 = time.process_time()
    th = make()
    th.diagnostics["cpu_seconds"] = time.process_time() - t0
    if path:
        os.makedirs(cache, exist_ok=True)
        th.save(path)
    return th


def _compare_line(label, sim, th, N, drop_last=False, u_common=0.05):
    """One line: RMS against the N -> inf law over the computed exponents (without the last one if
    ``drop_last``: the balanced network's mean mode), over u <= ``u_common`` (the same range at every
    N) and over u <= 0.95 when all N are computed; D/N, H/N, lambda_1."""
    k = sim.exponents.size
    u = (np.arange(1, k + 1) - 0.5) / N
    lam_th = th.quantile(u)
    kk = k - 1 if (drop_last and k == N) else k
    dev = (sim.exponents - lam_th)[:kk]
    rms = float(np.sqrt(np.mean(dev ** 2)))
    extra = f" (u <= {u_common:g}: {float(np.sqrt(np.mean(dev[u[:kk] <= u_common] ** 2))):.4f}"
    extra += f"; u <= 0.95: {_bulk_rms(sim.exponents, lam_th, N):.4f})" if k == N else ")"
    D = sim.dimension_per_N
    Dse = sim.dimension_stderr / N if sim.dimension_stderr is not None else math.nan
    H, Hse = sim.entropy_rate_per_N, sim.entropy_rate_stderr / N
    rel = (lambda a, b: 100.0 * (a / b - 1.0))
    cpu = sim.diagnostics.get("cpu_seconds", math.nan)
    return (f"{label}: k={k} T={sim.t_sim:g} (cpu {cpu:.0f} s): "
            f"RMS over u <= {u[kk - 1]:.3f} {rms:.4f}{extra}; "
            f"lambda_1 {sim.exponents[0]:.4f} +- {sim.stderr[0]:.4f} vs {th.lambda_max:.4f} (DMFT), "
            f"lambda(u_1) {lam_th[0]:.4f}; D/N {D:.5f} +- {Dse:.5f} vs {th.dimension_per_N:.5f} "
            f"({rel(D, th.dimension_per_N):+.1f} %); H/N {H:.6f} +- {Hse:.6f} vs {th.entropy_rate_per_N:.6f} "
            f"({rel(H, th.entropy_rate_per_N):+.1f} %)")


def _trend(rows, th):
    """Weighted linear fit of D/N and H/N in 1/N over the runs (N, D/N, SE, H/N, SE): the 1/N -> 0 values."""
    out = []
    for name, iv, ie, ref in (("D/N", 1, 2, th.dimension_per_N), ("H/N", 3, 4, th.entropy_rate_per_N)):
        x = np.array([1.0 / r[0] for r in rows])
        y = np.array([r[iv] for r in rows])
        w = 1.0 / np.array([r[ie] for r in rows]) ** 2
        if np.unique(x).size < 2:
            continue
        X = np.vstack([np.ones_like(x), x]).T
        cov = np.linalg.inv(X.T @ (w[:, None] * X))
        b = cov @ (X.T @ (w * y))
        out.append(f"{name} -> {b[0]:.5f} +- {math.sqrt(cov[0, 0]):.5f} at 1/N = 0 "
                   f"({100 * (b[0] / ref - 1):+.1f} % from theory {ref:.5f}; slope {b[1]:.3g})")
    return "; ".join(out)


def cmd_single_site(args):
    """Continuous-time SCS networks (RK4) against the single-site theory, k = k_per_1000 * N / 1000."""
    import meanfield as mf

    from .single_site import single_site_spectrum
    for ig, g in enumerate(args.g):
        th = _theory_cached(f"ss_g{g:g}", lambda: single_site_spectrum(g, N=1000), args.cache)
        print(f"g={g}: theory D/N {th.dimension_per_N:.5f} H/N {th.entropy_rate_per_N:.6f} lambda_max "
              f"{th.lambda_max:.4f} (cpu {th.diagnostics.get('cpu_seconds', math.nan):.0f} s)", flush=True)
        k1000 = args.k[ig] if args.k else int(math.ceil(1.5 * th.dimension_per_N * 1000))
        rows = []
        for N in args.sizes:
            for seed in args.seeds:
                sim, _ = qr_cached(mf.RandomNetwork(N, g, seed=seed), k1000 * N // 1000, args.T, seed + 100,
                                   cache=args.cache, cached_only=args.cached_only)
                if sim is None:
                    continue
                print("  " + _compare_line(f"N={N} seed={seed}", sim, th, N), flush=True)
                if sim.dimension_stderr is not None:
                    rows.append((N, sim.dimension_per_N, sim.dimension_stderr / N, sim.entropy_rate_per_N,
                                 sim.entropy_rate_stderr / N))
        print("  trend: " + _trend(rows, th), flush=True)


def cmd_balanced(args):
    """Dense balanced ReLU networks (J0 = I0 = 1, K = N, RK4) against the single-site theory (0/1 gates)."""
    import meanfield as mf

    from .balanced import balanced_spectrum
    for g in args.g:
        th = _theory_cached(f"bal_g{g:g}", lambda: balanced_spectrum(g, 1.0, 1.0, K=1000, N=1000), args.cache)
        print(f"g={g}: theory D/N {th.dimension_per_N:.5f} H/N {th.entropy_rate_per_N:.6f} lambda_max "
              f"{th.lambda_max:.4f} (cpu {th.diagnostics.get('cpu_seconds', math.nan):.0f} s)", flush=True)
        rows = []
        for N in args.sizes:
            for seed in args.seeds:
                k = N if (args.full and N in args.full) else args.k * N // 1000
                net = mf.BalancedNetwork(N, g, 1.0, 1.0, seed=seed)
                sim, _ = qr_cached(net, k, args.T, seed + 100, cache=args.cache, cached_only=args.cached_only)
                if sim is None:
                    continue
                line = _compare_line(f"N=K={N} seed={seed}", sim, th, N, drop_last=True)
                if k == N:
                    f = float(th.settings["fraction_active"])
                    est = -1.0 - math.sqrt(N) * f
                    line += (f"; last (mean mode) {sim.exponents[-1]:.3f} +- {sim.stderr[-1]:.3f} vs "
                             f"-1 - J0 sqrt(K) f = {est:.3f}; bulk mean {sim.exponents[:-1].mean():.4f}")
                print("  " + line, flush=True)
                if sim.dimension_stderr is not None:
                    rows.append((N, sim.dimension_per_N, sim.dimension_stderr / N, sim.entropy_rate_per_N,
                                 sim.entropy_rate_stderr / N))
        print("  trend: " + _trend(rows, th), flush=True)


def cmd_leaky(args):
    """Leaky discrete-time tanh networks (QR of the map, all N exponents) against the single-site theory."""
    import meanfield as mf

    from .single_site import single_site_map_spectrum
    for g in args.g:
        for leak in args.leak:
            th = _theory_cached(f"map_g{g:g}_leak{leak:g}",
                                lambda: single_site_map_spectrum(g, leak=leak, N=1000), args.cache)
            print(f"g={g} leak={leak}: theory D/N {th.dimension_per_N:.5f} H/N {th.entropy_rate_per_N:.6f} "
                  f"lambda_max {th.lambda_max:.4f} mean {th.mean_exponent:.4f} (m {th.settings['m']}, cpu "
                  f"{th.diagnostics.get('cpu_seconds', math.nan):.0f} s)", flush=True)
            for seed in args.seeds:
                net = mf.RandomNetwork(args.N, g, time="discrete", leak=leak, seed=seed)
                sim, _ = qr_cached(net, args.N, args.T, seed + 100, cache=args.cache, dt=None,
                                   t_warmup=300.0)
                line = _compare_line(f"N={args.N} seed={seed}", sim, th, args.N)
                print("  " + line + f"; mean {sim.exponents.mean():.4f}", flush=True)


def balanced_fixed_point(net, t_relax=100.0, dt=0.1, max_newton=60):
    """Stable fixed point of a dense BalancedNetwork: Euler relaxation, then Newton on the piecewise-linear
    equation 0 = -h + J relu(h) + sqrt(K) I0 (exact in finitely many steps once the gates are right).

    Returns (h, gates D as 0/1 floats, max residual).  Raises RuntimeError if Newton does not converge.
    """
    J, b = net.J, net.bias
    h = np.random.default_rng(7).standard_normal(net.N)
    for _ in range(int(t_relax / dt)):
        h += dt * (-h + J @ np.maximum(h, 0.0) + b)
    for _ in range(max_newton):
        F = -h + J @ np.maximum(h, 0.0) + b
        if np.max(np.abs(F)) < 1e-11 * (1.0 + np.max(np.abs(h))):
            return h, (h > 0).astype(np.float64), float(np.max(np.abs(F)))
        D = (h > 0).astype(np.float64)
        h = h - np.linalg.solve(-np.eye(net.N) + J * D[None, :], F)
    raise RuntimeError("balanced_fixed_point: Newton did not converge (no stable fixed point at this g?)")


def cmd_balanced_fixed_point(args):
    """Balanced networks at their fixed point: Re eig(-1 + J D) against the atom + semicircle law."""
    import meanfield as mf

    from .balanced import _atom_semicircle_quantile, balanced_fixed_point_spectrum
    for g in args.g:
        for N in args.sizes:
            th = balanced_fixed_point_spectrum(g, 1.0, 1.0, K=N, N=N)
            fs, rms_d, rms_o, l1 = [], [], [], []
            for seed in args.seeds:
                net = mf.BalancedNetwork(N, g, 1.0, 1.0, seed=seed)
                h, D, _ = balanced_fixed_point(net)
                lam = np.sort(np.linalg.eigvals(-np.eye(N) + net.J * D[None, :]).real)[::-1]
                u = (np.arange(1, N) - 0.5) / N
                f = float(D.mean())
                own = _atom_semicircle_quantile(u, f, g * math.sqrt(f))
                fs.append(f)
                l1.append(lam[0])
                rms_d.append(np.sqrt(np.mean((lam[:-1] - th.exponents[:-1]) ** 2)))
                rms_o.append(np.sqrt(np.mean((lam[:-1] - own) ** 2)))
            fs = np.array(fs)
            k = len(fs)
            print(f"g={g} N=K={N} ({k} networks): f {fs.mean():.4f} +- {fs.std(ddof=1) / math.sqrt(k):.4f} "
                  f"(sd {fs.std(ddof=1):.4f}) vs DMFT {th.settings['fraction_active']:.4f}; "
                  f"bulk RMS vs the law "
                  f"with the DMFT f {np.mean(rms_d):.4f}, with the network's own f {np.mean(rms_o):.4f} (max "
                  f"{np.max(rms_o):.4f}); lambda_1 {np.mean(l1):.4f} (sd {np.std(l1, ddof=1):.4f}) vs "
                  f"{th.lambda_max:.4f}", flush=True)


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
    p = sub.add_parser("single-site")
    p.add_argument("--g", type=_floats, default=[2.0, 3.0, 5.0])
    p.add_argument("--sizes", type=_ints, default=[500, 1000])
    p.add_argument("--seeds", type=_ints, default=[1, 2])
    p.add_argument("--T", type=float, default=500.0)
    p.add_argument("--k", type=_ints, default=[], help="exponents per 1000 units, one per g "
                   "(default 1.5 x D)")
    p.add_argument("--cached-only", action="store_true", help="skip runs missing from the cache")
    p.add_argument("--cache", default="rmt_cache", help="folder of cached runs ('' for none)")
    p = sub.add_parser("balanced")
    p.add_argument("--g", type=_floats, default=[2.0])
    p.add_argument("--sizes", type=_ints, default=[500, 1000])
    p.add_argument("--seeds", type=_ints, default=[1, 2])
    p.add_argument("--T", type=float, default=500.0)
    p.add_argument("--k", type=int, default=60, help="exponents per 1000 units")
    p.add_argument("--cached-only", action="store_true", help="skip runs missing from the cache")
    p.add_argument("--full", type=_ints, default=[], help="sizes run with all N exponents")
    p.add_argument("--cache", default="rmt_cache", help="folder of cached runs ('' for none)")
    p = sub.add_parser("balanced-fixed-point")
    p.add_argument("--g", type=_floats, default=[0.8, 1.2, 1.35])
    p.add_argument("--sizes", type=_ints, default=[500, 1000, 2000])
    p.add_argument("--seeds", type=_ints, default=[1, 2, 3, 4])
    p = sub.add_parser("leaky")
    p.add_argument("--g", type=_floats, default=[3.0])
    p.add_argument("--leak", type=_floats, default=[0.5])
    p.add_argument("--N", type=int, default=500)
    p.add_argument("--seeds", type=_ints, default=[1])
    p.add_argument("--T", type=float, default=2000.0)
    p.add_argument("--cache", default="rmt_cache", help="folder of cached runs ('' for none)")
    args = ap.parse_args(argv)
    {"identities": cmd_identities, "free": cmd_free, "annealed": cmd_annealed,
     "snapshot": cmd_snapshot, "single-site": cmd_single_site, "balanced": cmd_balanced,
     "balanced-fixed-point": cmd_balanced_fixed_point,
     "leaky": cmd_leaky}[args.cmd](args)


if __name__ == "__main__":
    main()
