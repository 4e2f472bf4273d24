"""Command line: ``meanfield simulate|lyapunov|theory|phase|validate`` mirror the Python API.

Each subcommand writes its result (.npz, loadable with ``*.load``) and a
figure, and prints a short summary.
"""
import argparse
import json
import os
import sys

from ._version import __version__
from .errors import MeanfieldError


def _add_model_args(p):
    g = p.add_argument_group("model")
    g.add_argument("--model", choices=["random", "balanced"], default="random")
    g.add_argument("--N", type=int, default=200, help="number of units")
    g.add_argument("--g", type=float, default=2.0, help="coupling gain")
    g.add_argument("--phi", default=None, help="tanh|relu|erf|linear (default tanh; relu for balanced)")
    g.add_argument("--time", choices=["continuous", "discrete"], default="continuous")
    g.add_argument("--leak", type=float, default=1.0, help="leak step (discrete time)")
    g.add_argument("--J0", type=float, default=1.0)
    g.add_argument("--I0", type=float, default=1.0)
    g.add_argument("--K", type=int, default=None)
    g.add_argument("--input", choices=["none", "sine", "ou"], default="none")
    g.add_argument("--amplitude", type=float, default=1.0, help="sine amplitude or OU std")
    g.add_argument("--frequency", type=float, default=0.2)
    g.add_argument("--tau-input", type=float, default=1.0, help="OU correlation time")
    g.add_argument("--correlation", default="common", help="common|independent|number in [0,1]")
    g.add_argument("--model-seed", type=int, default=1)


def _model(a):
    from . import BalancedNetwork, OUInput, RandomNetwork, SineInput
    corr = a.correlation
    try:
        corr = float(corr)
    except ValueError:
        pass
    inp = None
    if a.input == "sine":
        inp = SineInput(a.amplitude, a.frequency, corr)
    elif a.input == "ou":
        inp = OUInput(a.amplitude, a.tau_input, corr)
    if a.model == "random":
        return RandomNetwork(a.N, a.g, phi=a.phi or "tanh", time=a.time, leak=a.leak, input=inp,
                             seed=a.model_seed)
    return BalancedNetwork(a.N, a.g, a.J0, a.I0, phi=a.phi or "relu", K=a.K, input=inp, seed=a.model_seed)


def _run_args(p, t_name, t_default):
    p.add_argument(t_name, type=float, default=t_default)
    p.add_argument("--dt", type=float, default=None)
    p.add_argument("--integrator", choices=["rk4", "euler"], default=None)
    p.add_argument("--method", choices=["rk4", "euler"], default=None, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default="meanfield-out", help="output folder")
    p.add_argument("--no-progress", action="store_true")


def _save_fig(fig, path):
    fig.savefig(path, dpi=150)
    print(f"figure: {path}")


def _integrator(a, m):
    """--integrator (or the deprecated --method), None for discrete time."""
    if a.method is not None:
        if a.integrator is not None:
            raise ValueError("give --integrator only (--method is its deprecated name)")
        print("meanfield: warning: --method is deprecated for the integrator; use --integrator",
              file=sys.stderr)
    integ = a.integrator if a.integrator is not None else a.method
    return integ if m.time == "continuous" else None


def cmd_simulate(a):
    from . import simulate
    from .plotting import plot_simulation
    m = _model(a)
    r = simulate(m, a.t_max, dt=a.dt, integrator=_integrator(a, m),
                 t_warmup=a.t_warmup, seed=a.seed, progress=not a.no_progress, threads=a.threads)
    os.makedirs(a.out, exist_ok=True)
    path = r.save(os.path.join(a.out, "simulation.npz"))
    print(f"result: {path}")
    print(f"mean population rate {r.mean_rate.mean():.6g}, mean input {r.mean_input.mean():.6g}")
    import matplotlib
    matplotlib.use("Agg")
    ax = plot_simulation(r)
    _save_fig(ax.figure, os.path.join(a.out, "simulation.png"))
    return 0


def cmd_lyapunov(a):
    from . import lyapunov_spectrum
    from .plotting import plot_spectrum
    m = _model(a)
    r = lyapunov_spectrum(m, a.n_exponents, t_sim=a.t_sim, t_warmup=a.t_warmup, t_ons=a.t_ons,
                          dt=a.dt, integrator=_integrator(a, m), seed=a.seed,
                          progress=not a.no_progress, threads=a.threads)
    os.makedirs(a.out, exist_ok=True)
    path = r.save(os.path.join(a.out, "lyapunov.npz"))
    print(f"result: {path}")
    summary = {"lambda_max": r.lambda_max, "lambda_max_error": r.lambda_max_error,
               "entropy_rate": r.entropy_rate, "dimension": r.dimension,
               "dimension_per_N": r.dimension_per_N, "mean_exponent": float(r.exponents.mean())}
    print(json.dumps(summary, indent=1))
    import matplotlib
    matplotlib.use("Agg")
    ax = plot_spectrum(r)
    _save_fig(ax.figure, os.path.join(a.out, "lyapunov.png"))
    return 0


def cmd_theory(a):
    from .dmft import solve
    m = _model(a)
    r = solve(m, method=a.method)
    os.makedirs(a.out, exist_ok=True)
    path = r.save(os.path.join(a.out, "theory.npz"))
    print(f"result: {path}")
    summary = {"method": r.method, "lambda_max": r.lambda_max, "lambda_max_error": r.lambda_max_error,
               "converged": r.diagnostics["converged"]}
    for k in ("variance", "mean_rate"):
        v = getattr(r, k, None)
        if v is not None and getattr(v, "ndim", 0) == 0:
            summary[k] = float(v)
    print(json.dumps(summary, indent=1))
    return 0


def _floats(text, name):
    """'a,b,c' or 'start:stop:num' (linspace) -> list of floats."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            import numpy as np
            return np.linspace(float(lo), float(hi), int(n)).tolist()
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{name} must be 'a,b,c' or 'start:stop:num', got {text!r}") from None


def cmd_phase(a):
    from .phase import phase_diagram
    from .plotting import plot_phase_diagram
    if a.input != "none":
        raise ValueError("phase sets the sinusoidal input itself; leave --input at 'none'")
    m = _model(a)
    corrs = []
    for c in a.correlation.split(","):
        try:
            corrs.append(float(c))
        except ValueError:
            corrs.append(c.strip())
    values = _floats(a.values, "--values")
    if a.parameter in ("N", "K"):
        values = [int(round(v)) for v in values]
    opts = {}
    if a.method == "simulation":
        opts = {"t_sim": a.t_sim, "t_warmup": a.t_warmup}
        if a.dt is not None:
            opts["dt"] = a.dt
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "phase_diagram.npz")
    pd = phase_diagram(m, a.parameter, values, _floats(a.amplitudes, "--amplitudes"), frequency=a.frequency,
                       correlation=corrs, method=a.method, options=opts, n_seeds=a.n_seeds, seed=a.seed,
                       refine=a.refine, max_workers=a.workers, output=path, progress=not a.no_progress)
    print(f"result: {path}")
    curve = {str(c): dict(zip(map(str, pd.values.tolist()), pd.critical_amplitude[i].tolist()))
             for i, c in enumerate(pd.correlations)}
    print(json.dumps({"critical_amplitude": curve}, indent=1))
    import matplotlib
    matplotlib.use("Agg")
    ax = plot_phase_diagram(pd)
    _save_fig(ax.figure, os.path.join(a.out, "phase_diagram.png"))
    return 0


def cmd_validate(a):
    from .validate import validate
    executor = a.executor
    if executor not in ("serial", "process"):
        from distributed import Client          # a scheduler address: the [distributed] extra
        executor = Client(executor)
    rep = validate("full" if a.full else "quick", cases=a.cases, out=a.out, executor=executor,
                   workers=a.workers, progress=not a.no_progress)
    n_fail = len(rep.failed)
    print(f"{len(rep.rows) - n_fail} passed or informational, {n_fail} failed; {rep.n_points} points "
          f"({rep.n_cached} cached) in {rep.seconds:.1f} s; report in {a.out}/report.md, .html, .json")
    for case in sorted({r["case"] for r in rep.warned}):
        print(f"warning: the library warned while computing {case}'s points (see the report's Warnings)")
    return 1 if n_fail else 0


def build_parser():
    p = argparse.ArgumentParser(prog="meanfield", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"meanfield {__version__}")
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("simulate", help="simulate a network, save traces and a figure")
    _add_model_args(s)
    _run_args(s, "--t-max", 100.0)
    s.add_argument("--t-warmup", type=float, default=0.0)
    s.set_defaults(func=cmd_simulate)
    ly = sub.add_parser("lyapunov", help="Lyapunov spectrum by the QR method")
    _add_model_args(ly)
    _run_args(ly, "--t-sim", 500.0)
    ly.add_argument("--t-warmup", type=float, default=100.0)
    ly.add_argument("--t-ons", type=float, default=None)
    ly.add_argument("--n-exponents", type=int, default=None)
    ly.set_defaults(func=cmd_lyapunov)
    th = sub.add_parser("theory", help="DMFT of a model: lambda_max and the solver's result "
                                       "(meanfield.dmft.solve)")
    _add_model_args(th)
    th.add_argument("--method", choices=["auto", "stationary", "independent", "nonstationary"],
                    default="auto")
    th.add_argument("--out", default="meanfield-out", help="output folder")
    th.set_defaults(func=cmd_theory)
    ph = sub.add_parser("phase", help="chaos-suppression phase diagram: lambda_max over (parameter, I1)")
    _add_model_args(ph)
    ph.add_argument("--parameter", choices=["frequency", "g", "N", "K"], default="frequency")
    ph.add_argument("--values", default="0.05,0.1,0.2,0.5", help="'a,b,c' or 'start:stop:num'")
    ph.add_argument("--amplitudes", default="0:2:11", help="input amplitudes I1, 'a,b,c' or 'start:stop:num'")
    ph.add_argument("--method", choices=["dmft", "simulation"], default="dmft")
    ph.add_argument("--n-seeds", type=int, default=None, help="network realisations (simulation)")
    ph.add_argument("--seed", type=int, default=0)
    ph.add_argument("--t-sim", type=float, default=500.0)
    ph.add_argument("--t-warmup", type=float, default=100.0)
    ph.add_argument("--dt", type=float, default=None)
    ph.add_argument("--refine", action="store_true", help="root-find each critical amplitude")
    ph.add_argument("--workers", type=int, default=None, help="processes (default: all CPUs)")
    ph.add_argument("--out", default="meanfield-out", help="output folder (re-run resumes)")
    ph.add_argument("--no-progress", action="store_true")
    ph.set_defaults(func=cmd_phase)
    va = sub.add_parser("validate", help="theory-vs-simulation validation report (Markdown, HTML, JSON)")
    mode = va.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, minutes on 2 cores (default)")
    mode.add_argument("--full", action="store_true", help="the sizes of the papers' figures")
    va.add_argument("--cases", default=None, help="comma-separated case or tier names (default all)")
    va.add_argument("--out", default="validation/out", help="output folder; its cache/ makes re-runs resume")
    va.add_argument("--executor", default="serial",
                    help="serial | process | a Dask scheduler address (needs the [distributed] extra)")
    va.add_argument("--workers", type=int, default=None, help="processes for --executor process")
    va.add_argument("--no-progress", action="store_true")
    va.set_defaults(func=cmd_validate)
    return p


def _check_out(out):
    """The output folder must be creatable and writable -- checked before any computation."""
    import tempfile
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".meanfield-write-test-"):
            pass
    except OSError as exc:
        raise ValueError(f"--out {out!r} is not a writable folder ({exc.strerror or exc}); choose another "
                         "--out") from None


def main(argv=None):
    p = build_parser()
    a = p.parse_args(argv)
    if a.command is None:
        p.print_help()
        return 0
    try:
        if getattr(a, "out", None) is not None:
            _check_out(a.out)
        return a.func(a)
    except (ValueError, TypeError, MeanfieldError) as exc:
        print(f"meanfield: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
