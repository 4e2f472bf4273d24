r"""The validation cases, declared as data.

A :class:`Case` says what theory computes, what simulation computes, and for each of its
:class:`Check` rows the metric, the tolerance with its derivation and the size of error it
would catch.  Its work is a list of *points* (``{"fn": name, "args": {...}}``, JSON data run by
:func:`~meanfield.validate.runner.run_point` and cached one by one); ``combine`` turns the
points' results into the rows.  Tiers: exact identities → analytic limits → theory against
simulation → the papers' figures.
"""
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Case", "Check", "CASES", "POINTS"]


@dataclass(frozen=True)
class Check:
    """One row of the report: ``quantity``, ``metric``, the tolerance's derivation, what it catches."""

    quantity: str
    metric: str
    tolerance: str
    catches: str


@dataclass(frozen=True)
class Case:
    """A validation case (see the module docstring)."""

    name: str
    tier: str
    title: str
    theory: str
    simulation: str
    checks: object                   # tuple of Check, or dict mode -> tuple of Check
    sizes: dict                      # mode -> parameters
    plan_fn: object                  # (params) -> list of point specs
    combine_fn: object               # (params, results) -> list of row values, one per check
    figure_fn: object = None         # (params, results, path) -> None
    notes: dict = field(default_factory=dict)

    def parameters(self, mode):
        return dict(self.sizes[mode])

    def checks_for(self, mode):
        """The checks (report rows) of ``mode``: the same for every mode unless given per mode."""
        return self.checks[mode] if isinstance(self.checks, dict) else self.checks

    def plan(self, mode):
        return self.plan_fn(self.parameters(mode))

    def combine(self, mode, results):
        return self.combine_fn(self.parameters(mode), results)

    @property
    def figure(self):
        if self.figure_fn is None:
            return None
        return lambda mode, results, path: self.figure_fn(self.parameters(mode), results, path)


# ---------------------------------------------------------------- point functions (JSON in, JSON out)

def _model(spec):
    import meanfield as mf
    spec = dict(spec)
    kind = spec.pop("type")
    if isinstance(spec.get("input"), dict):          # {"amplitude", "frequency", "correlation"}
        spec["input"] = mf.SineInput(**spec["input"])
    return {"RandomNetwork": mf.RandomNetwork, "BalancedNetwork": mf.BalancedNetwork}[kind](**spec)


def _system(name, N=None, seed=0):
    import meanfield as mf
    if name == "henon":
        a, b = 1.4, 0.3
        return mf.Map(lambda x: np.array([1 - a * x[0] ** 2 + x[1], b * x[0]]),
                      lambda x: np.array([[-2 * a * x[0], 1.0], [b, 0.0]]), [0.1, 0.1], name="Hénon")
    if name == "gaussian-products":
        rng = np.random.default_rng(seed)
        return mf.Map(lambda x: x, lambda x: rng.standard_normal((N, N)) / math.sqrt(N), np.zeros(N),
                      name="Gaussian products")
    raise ValueError(f"unknown system {name!r}")


def pt_spectrum(model=None, system=None, **kw):
    """QR spectrum of a model spec or a named system."""
    import meanfield as mf
    target = _model(model) if model is not None else _system(**system)
    r = mf.lyapunov_spectrum(target, progress=False, **kw)
    return {"exponents": r.exponents.tolist(), "stderr": r.stderr.tolist(),
            "dimension_per_N": r.dimension_per_N, "entropy_rate_per_N": r.entropy_rate_per_N}


def pt_lyapunov_max(model, **kw):
    import meanfield as mf
    r = mf.lyapunov_max(_model(model), progress=False, **kw)
    return {"lambda_max": r.lambda_max, "lambda_max_error": r.lambda_max_error}


def pt_theory(model, **kw):
    """The one DMFT front end, :func:`meanfield.dmft.solve`."""
    from meanfield import dmft
    r = dmft.solve(_model(model), **kw)
    out = {"lambda_max": r.lambda_max, "lambda_max_error": r.lambda_max_error, "method": r.method}
    for k in ("mean_rate", "variance"):
        v = getattr(r, k, None)
        if v is not None and np.ndim(v) == 0:
            out[k] = float(v)
    return out


def pt_eig_log(model):
    J = _model(model).J
    return {"log_abs_eig": np.sort(np.log(np.abs(np.linalg.eigvals(J))))[::-1].tolist()}


def pt_mean_rate(model, x0=None, **kw):
    import meanfield as mf
    m = _model(model)
    x0 = None if x0 is None else np.full(m.N, float(x0))
    s = mf.simulate(m, progress=False, x0=x0, **kw)
    return {"mean_rate": float(s.mean_rate.mean()), "final_rate": float(s.mean_rate[-1])}


def pt_rmt(model, method="auto"):
    """Random-matrix spectrum law of a model spec (:func:`meanfield.rmt.lyapunov_spectrum`)."""
    import meanfield as mf
    r = mf.rmt.lyapunov_spectrum(_model(model), method=method)
    u = np.linspace(0.0005, 0.9995, 2000)
    return {"method": r.method, "lambda_max": r.lambda_max, "dimension_per_N": r.dimension_per_N,
            "entropy_rate_per_N": r.entropy_rate_per_N, "u": u.tolist(), "quantile": r.quantile(u).tolist()}


POINTS = {"spectrum": pt_spectrum, "lyapunov_max": pt_lyapunov_max, "theory": pt_theory,
          "eig_log": pt_eig_log, "mean_rate": pt_mean_rate, "rmt": pt_rmt}


def _pt(fn, **args):
    return {"fn": fn, "args": args}


def _mean_se(values):
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan


def _rn(N, g, seed, **kw):
    return dict(type="RandomNetwork", N=N, g=g, seed=seed, **kw)


# ---------------------------------------------------------------- identities

def _linear_plan(p):
    m = _rn(p["N"], 0.9, 3, phi="linear", time="discrete")
    return [_pt("spectrum", model=m, t_sim=p["T"], t_warmup=0, t_warmup_tangent=500, seed=1),
            _pt("eig_log", model=m)]


def _linear_combine(p, res):
    lam, ref = np.array(res[0]["exponents"]), np.array(res[1]["log_abs_eig"])
    return [dict(theory=0.0, simulation=float(np.abs(lam - ref).max()), tolerance=5.0 / p["T"]),
            dict(theory=float(ref.sum()), simulation=float(lam.sum()), tolerance=1e-10)]


def _newman_plan(p):
    return [_pt("spectrum", system=dict(name="gaussian-products", N=p["N"], seed=7), t_sim=p["T"], t_warmup=0,
                t_warmup_tangent=10, seed=2)]


def _newman_combine(p, res):
    from scipy.special import digamma
    N = p["N"]
    i = np.arange(1, N + 1)
    ref = 0.5 * (np.log(2.0 / N) + digamma((N - i + 1) / 2))
    z = np.abs(np.array(res[0]["exponents"]) - ref) / np.array(res[0]["stderr"])
    return [dict(theory=0.0, simulation=float(z.max()), tolerance=4.0)]


def _henon_plan(p):
    return [_pt("spectrum", system=dict(name="henon"), t_sim=p["T"], t_warmup=100, seed=1)]


def _henon_combine(p, res):
    lam, se = res[0]["exponents"], res[0]["stderr"]
    return [dict(theory=0.41922, simulation=lam[0], stderr=se[0], tolerance=4 * se[0] + 1e-4),
            dict(theory=math.log(0.3), simulation=float(sum(lam)), tolerance=1e-10)]


def _tanh_plan(p):
    pts = [_pt("spectrum", model=_rn(N, 2.0, 5), t_sim=p["T"], t_warmup=100, seed=1) for N in p["Ns"]]
    big = _rn(p["Ns"][-1], 2.0, 5)
    pts += [_pt("lyapunov_max", model=big, method="qr", t_sim=p["T"], seed=3),
            _pt("lyapunov_max", model=big, method="two-trajectory", t_sim=p["T"], seed=3)]
    return pts


def _tanh_combine(p, res):
    rows = []
    spec = [np.array(r["exponents"]) for r in res[:len(p["Ns"])]]
    rows.append(dict(theory=-1.0, simulation=float(max(spec, key=lambda e: abs(e.mean() + 1)).mean()),
                     tolerance=1e-5))
    rows.append(dict(theory=0.0, simulation=float(np.abs(spec[-1] + spec[-1][::-1] + 2).max())))
    rows.append(dict(simulation=res[len(p["Ns"]) - 1]["dimension_per_N"]))
    q, t = res[-2], res[-1]
    se = math.hypot(q["lambda_max_error"], t["lambda_max_error"])
    rows.append(dict(theory=q["lambda_max"], simulation=t["lambda_max"], stderr=se, tolerance=4 * se))
    return rows


def _tanh_figure(p, res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.8, 3.4), constrained_layout=True)
    for N, r in zip(p["Ns"], res):
        lam = np.array(r["exponents"])
        ax.errorbar(np.arange(1, N + 1) / N, lam, yerr=r["stderr"], fmt="o", ms=2, lw=0.6, label=f"N = {N}")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("i / N")
    ax.set_ylabel(r"$\lambda_i$  [1/$\tau$]")
    ax.set_title("tanh network, g = 2: spectra collapse on i/N")
    ax.legend(frameon=False, fontsize="small")
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _balanced_fp_plan(p):
    m = dict(type="BalancedNetwork", N=400, g=0.0, J0=1.0, I0=1.0, K=100, seed=1)
    return [_pt("mean_rate", model=m, t_max=30.0, dt=0.05, x0=0.3)]


def _balanced_fp_combine(p, res):
    K = 100
    return [dict(theory=math.sqrt(K) / (1 + math.sqrt(K)), simulation=res[0]["final_rate"], tolerance=1e-10)]


# ---------------------------------------------------------------- theory against simulation

def _rate_plan(p):
    bn = dict(type="BalancedNetwork", N=p["N"], g=2.0, J0=1.0, I0=1.0)
    return ([_pt("theory", model=dict(bn, seed=0))]
            + [_pt("mean_rate", model=dict(bn, seed=300 + i), t_max=200.0, t_warmup=50.0, seed=i)
               for i in range(p["n_real"])])


def _rate_combine(p, res):
    m, se = _mean_se([r["mean_rate"] for r in res[1:]])
    return [dict(theory=res[0]["mean_rate"], simulation=m, stderr=se, tolerance=3 * se + 0.005)]


def _free_plan(p):
    pts = [_pt("rmt", model=_rn(p["N"], p["g"], 0, time="discrete"))]
    pts += [_pt("spectrum", model=_rn(p["N"], p["g"], 2000 + s, time="discrete"), t_sim=p["T"], t_warmup=100,
                seed=s, threads=1) for s in range(p["n_real"])]
    return pts


def _free_combine(p, res):
    th, sims = res[0], res[1:]
    rows = []
    for key, allow in (("dimension_per_N", p["allow_D"]), ("entropy_rate_per_N", p["allow_H"])):
        m, se = _mean_se([r[key] for r in sims])
        rows.append(dict(theory=th[key], simulation=m, stderr=se, tolerance=3 * se + allow))
    m, se = _mean_se([r["exponents"][0] for r in sims])
    rows.append(dict(theory=th["lambda_max"], simulation=m, stderr=se, tolerance=3 * se + p["allow_l1"]))
    N = p["N"]
    u = (np.arange(N) + 0.5) / N
    q = np.interp(u, th["u"], th["quantile"])
    rms = [float(np.sqrt(np.mean((np.array(r["exponents"]) - q)[u <= 0.95] ** 2))) for r in sims]
    rows.append(dict(simulation=float(np.mean(rms))))
    return rows


def _free_figure(p, res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.8, 3.4), constrained_layout=True)
    N = p["N"]
    for k, r in enumerate(res[1:]):
        ax.errorbar((np.arange(N) + 1) / N, r["exponents"], yerr=r["stderr"], fmt="o", ms=2, lw=0.5,
                    color="C0", alpha=0.5, label=f"simulation, N = {N}" if k == 0 else None)
    ax.plot(res[0]["u"], res[0]["quantile"], "k-", lw=1.2, zorder=3, label="free law (N → ∞)")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_ylim(max(min(res[0]["quantile"]), -8), None)
    ax.set_xlabel("i / N")
    ax.set_ylabel(r"$\lambda_i$  [per iteration]")
    ax.set_title(f"discrete-time tanh network, g = {p['g']}")
    ax.legend(frameon=False, fontsize="small")
    fig.savefig(path, dpi=130)
    plt.close(fig)


CASES = (
    Case("linear-map", "identity", "linear map", "λ_i = ln|μ_i(J)|, eigenvalues of J",
         "QR spectrum of h_{t+1} = J h_t (g = 0.9)",
         (Check("max_i |λ_i − ln|μ_i||", "max abs difference",
                "5/T: the QR estimate of a linear map converges like O(1/T)",
                "an error above 5/T in any exponent"),
          Check("Σλ_i", "abs difference", "1e-10: exact identity (round-off)",
                "any error in the accumulated log-determinant")),
         {"quick": {"N": 30, "T": 4000}, "full": {"N": 100, "T": 20000}}, _linear_plan, _linear_combine),
    Case("newman", "identity", "random-matrix products", "Newman (1986): λ_i = ½[ln(2/N) + ψ((N−i+1)/2)]",
         "QR spectrum of products of fresh N(0, 1/N) matrices",
         (Check("max_i |λ_i − Newman| / SE", "max z-score",
                "4: largest of N z-scores, each N(0, 1) when the engine is right",
                "a bias of ~4 SE in one exponent"),),
         {"quick": {"N": 8, "T": 20000}, "full": {"N": 16, "T": 100000}}, _newman_plan, _newman_combine),
    Case("henon", "identity", "Hénon map", "published λ_1 = 0.41922 (Sprott 2003); λ_1 + λ_2 = ln b",
         "QR spectrum of the Hénon map (a = 1.4, b = 0.3)",
         (Check("λ_1", "abs difference", "4 SE + 1e-4 (the published value's last digit)",
                "a bias of 4 SE (≈ 0.01 quick, 0.003 full)"),
          Check("λ_1 + λ_2 = ln b", "abs difference", "1e-10: exact identity", "any error in log|det|")),
         {"quick": {"T": 20000}, "full": {"T": 200000}}, _henon_plan, _henon_combine),
    Case("tanh-identities", "identity", "tanh g = 2", "mean exponent −1 (trace of the Jacobian, J_ii = 0); "
         "λ_max by two independent algorithms", "QR spectra and two-trajectory λ_max",
         (Check("mean exponent (worst N)", "abs difference", "1e-5: exact for the flow up to RK4's O(dt⁴)",
                "a tangent map that is not the exact linearisation"),
          Check("max |λ_i + λ_{N+1−i} + 2| (point symmetry)", "reported",
                "none: the symmetry is approximate at finite N [EWA]", "reported only"),
          Check("D_KY / N", "reported", "none: EWA finds D/N ≪ 1", "reported only"),
          Check("λ_max: two-trajectory vs QR", "abs difference", "4 SE of the difference",
                "a disagreement of 4 SE between the tangent and the brute-force estimate")),
         {"quick": {"Ns": [100, 200], "T": 400}, "full": {"Ns": [200, 400, 800], "T": 2000}},
         _tanh_plan, _tanh_combine, _tanh_figure),
    Case("balanced-fixed-point", "limit", "balanced, g = 0", "fixed point ν = √K I0 / (1 + √K J0)",
         "rate after relaxation (N = 400, K = 100)",
         (Check("rate at the fixed point", "abs difference", "1e-10: exact",
                "any error in the drive or balance"),),
         {"quick": {}, "full": {}}, _balanced_fp_plan, _balanced_fp_combine),
    Case("balanced-rate", "theory-vs-simulation", "balanced g = 2 mean rate",
         "DMFT ν = I0 / (J0 + x/(√K F1(x))) with the 1/√K correction", "population rate over realisations",
         (Check("mean rate", "abs difference",
                "3 SE + 0.005 (measured agreement within 1 SE at N = 1000, 2000)",
                "an error of ≈ 0.016; the uncorrected rate I0/J0 = 1 is 0.056 away at N = 1000"),),
         {"quick": {"N": 1000, "n_real": 3}, "full": {"N": 4000, "n_real": 4}}, _rate_plan, _rate_combine),
    Case("rmt-free-discrete", "theory-vs-simulation", "discrete-time spectrum (free law)",
         "free-probability law of h_{t+1} = J tanh(h_t) with DMFT gains (meanfield.rmt, exact as N → ∞)",
         "full QR spectra over network realisations",
         (Check("D / N", "abs difference",
                "3 SE + finite-N bias (measured at g = 3: 0.0085 ± 0.002 at N = 200, 0.0013 ± 0.0015 at "
                "N = 400)", "an error of 3 SE + bias ≈ 0.02 (7 %) quick, ≈ 0.009 (3 %) full; the "
                "snapshot-type approximations are 13 % off at g = 3"),
          Check("H / N", "abs difference",
                "3 SE + finite-N bias (measured 0.0015 at N = 200, 0.0004 at N = 400)",
                "an error of ≈ 0.004 (15 %) quick, ≈ 0.0015 (6 %) full"),
          Check("λ_1", "abs difference",
                "3 SE + finite-N deficit (measured 0.013 at N = 200, 0.006 at N = 400)",
                "an error of ≈ 0.03 quick, ≈ 0.015 full"),
          Check("bulk RMS over u ≤ 0.95", "reported", "none (reported: 0.02 at N = 200-400, T = 1000)",
                "reported only")),
         {"quick": {"g": 3.0, "N": 200, "n_real": 4, "T": 500, "allow_D": 0.012, "allow_H": 0.002,
                    "allow_l1": 0.018},
          "full": {"g": 3.0, "N": 400, "n_real": 4, "T": 1000, "allow_D": 0.004, "allow_H": 0.0008,
                   "allow_l1": 0.009}},
         _free_plan, _free_combine, _free_figure),
)

# the SCS, balanced and random-matrix cases of issue 10 live in their own module
from .networks import CASES as _NETWORK_CASES  # noqa: E402
CASES = CASES + _NETWORK_CASES

# the chaos-suppression cases at the EIKGA parameters
from .suppression import CASES as _S_CASES, POINTS as _S_POINTS  # noqa: E402  (chaos suppression, EIKGA)
POINTS.update(_S_POINTS); CASES = CASES + _S_CASES  # noqa: E702

from .trained import CASES as _T_CASES  # noqa: E402  (trained networks, issue 12)
CASES = CASES + _T_CASES
