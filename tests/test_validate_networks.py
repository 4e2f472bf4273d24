"""The SCS, balanced and random-matrix validation cases: extrapolation, combine logic, point functions."""
import math

import numpy as np
import pytest

from meanfield.validate import CASES
from meanfield.validate import networks as W
from meanfield.validate.runner import _row

CASE = {c.name: c for c in CASES}


def test_inverse_power_fit_recovers_an_exact_law_and_its_error():
    Ns = [250, 500, 1000, 2000]
    y = [0.3 - 12.0 / N for N in Ns]
    a, se_a, b, chi2, dof = W._fit_inverse_power(Ns, y, [0.01] * 4, 1)
    assert a == pytest.approx(0.3, abs=1e-12) and b == pytest.approx(-12.0, rel=1e-10)
    assert chi2 < 1e-20 and dof == 2
    # two sizes: the intercept's SE is the propagated SE of the two means (no χ² scaling, dof = 0)
    y2 = [0.3 - 12.0 / 500, 0.3 - 12.0 / 1000]
    a2, se2, _, _, dof2 = W._fit_inverse_power([500, 1000], y2, [0.01, 0.02], 1)
    w = 1000 / (1000 - 500)                          # a = w y(1000) - (w - 1) y(500)
    assert dof2 == 0 and se2 == pytest.approx(math.hypot(w * 0.02, (w - 1) * 0.01), rel=1e-10)
    # a poor fit inflates the intercept's SE by √(χ²/dof)
    _, se_bad, _, chi2_bad, _ = W._fit_inverse_power(Ns, [0.3, 0.2, 0.3, 0.2], [0.01] * 4, 1)
    _, se_ok, *_ = W._fit_inverse_power(Ns, y, [0.01] * 4, 1)
    assert se_bad == pytest.approx(se_ok * math.sqrt(chi2_bad / 2), rel=1e-10)


def _synthetic_lambda(case, mode, a, b, scatter, theory):
    """Results of the case's plan with λ(N) = a + b/N (± scatter over realisations) and a theory value."""
    rng = np.random.default_rng(0)
    out = []
    for spec in case.plan(mode):
        if spec["fn"] == "theory":
            out.append({"lambda_max": theory, "lambda_max_error": 0.0, "method": "stationary"})
        else:
            N = spec["args"]["model"]["N"]
            out.append({"lambda_max": a + b / N + scatter * rng.standard_normal(), "lambda_max_error": 1e-3})
    return out


@pytest.mark.parametrize("name,mode", [("scs-lambda-max", "quick"), ("scs-lambda-max", "full"),
                                       ("scs-discrete-lambda-max", "full"), ("balanced-lambda-max", "full")])
def test_lambda_cases_extrapolate_and_can_fail(name, mode):
    case = CASE[name]
    res = _synthetic_lambda(case, mode, 0.2, -20.0, 0.0, theory=0.2)
    rows = [_row(case, chk, v, mode) for chk, v in zip(case.checks_for(mode), case.combine(mode, res))]
    assert len(rows) == len(case.parameters(mode)["gs"])
    for r in rows:
        assert r["simulation"] == pytest.approx(0.2, abs=1e-9) and r["status"] in ("pass", "info")
    # with realisation scatter the tolerance is finite, and a theory off by 2 tolerances fails
    res = _synthetic_lambda(case, mode, 0.2, -20.0, 0.01, theory=0.2)
    tol = [v["tolerance"] for v in case.combine(mode, res) if "tolerance" in v]
    assert tol and min(tol) > 0
    res = _synthetic_lambda(case, mode, 0.2, -20.0, 0.01, theory=0.2 + 2 * max(tol))
    rows = [_row(case, chk, v, mode) for chk, v in zip(case.checks_for(mode), case.combine(mode, res))]
    assert {r["status"] for r in rows if r["tolerance"] is not None} == {"fail"}
    # a tolerance wider than the effect (|λ_DMFT|) is never a pass: the row is only reported
    res = _synthetic_lambda(case, mode, 0.2, -20.0, 0.01, theory=0.5 * min(tol))
    rows = [_row(case, chk, v, mode) for chk, v in zip(case.checks_for(mode), case.combine(mode, res))]
    assert {r["status"] for r in rows} == {"info"}
    # data that a + b/N does not describe (χ² p < 1e-3) is reported, not checked
    if len(case.parameters(mode)["Ns"]) > 2:
        res = _synthetic_lambda(case, mode, 0.2, -20.0, 0.0, theory=0.2)
        for spec, r in zip(case.plan(mode), res):
            if spec["fn"] == "lyapunov_max" and spec["args"]["model"]["N"] == 500:
                r["lambda_max"] += 0.05                      # a bump at one size
        rows = [_row(case, chk, v, mode) for chk, v in zip(case.checks_for(mode), case.combine(mode, res))]
        assert {r["status"] for r in rows} == {"info"}


def _synthetic_ras(p, amplitudes, lam_sim, slope=0.0, noise=1e-3):
    """Results in plan order: λ(f, N) = lam_sim[f] + slope/N, network r offset by noise·(r − mean)
    at every frequency (a network effect that the paired differences cancel)."""
    out = [{"amplitude": a, "amplitude_error": 1e-5} for a in amplitudes]
    out += [{"lambda_max": 0.0, "lambda_max_error": 0.0, "method": "independent"} for _ in p["fs_lambda"]]
    for N in p["Ns"]:
        n = p["n_real"][str(N)]
        for r in range(n):
            out += [{"lambda_max": lam_sim[f] + slope / N + noise * (r - (n - 1) / 2) + 1e-4 * (r % 2) * j,
                     "lambda_max_error": 1e-4} for j, f in enumerate(p["fs_sim"])]
    return out


def _ras_rows(case, res):
    return [_row(case, chk, v, "full") for chk, v in zip(case.checks_for("full"), case.combine("full", res))]


def test_ras_case_needs_an_interior_minimum():
    case = CASE["ras-independent"]
    p = case.parameters("full")
    lo, mid, hi = p["fs_sim"]
    n = len(p["fs"])
    dip = [1.0 - 0.5 * math.sin(math.pi * k / (n - 1)) for k in range(n)]
    res = _synthetic_ras(p, dip, {lo: 0.02, mid: -0.05, hi: 0.01})
    rows = _ras_rows(case, res)
    assert rows[0]["status"] == "pass" and rows[-1]["status"] == "pass"
    assert rows[-1]["simulation"] == pytest.approx(0.065, abs=1e-3)     # ½(0.02 + 0.01) + 0.05
    assert rows[1]["simulation"] == p["fs"][int(np.argmin(dip))]
    # a monotonic I1_c(f) fails; so does a simulated λ(f) without the minimum
    res = _synthetic_ras(p, list(np.linspace(0.5, 1.0, n)), {lo: 0.02, mid: 0.02, hi: 0.01})
    rows = _ras_rows(case, res)
    assert rows[0]["status"] == "fail" and rows[-1]["status"] == "fail"


def test_ras_case_extrapolates_in_n_and_pairs_the_networks():
    case = CASE["ras-independent"]
    p = case.parameters("full")
    lo, mid, hi = p["fs_sim"]
    n = len(p["fs"])
    amps = [1.0 - 0.5 * math.sin(math.pi * k / (n - 1)) for k in range(n)]
    true = {lo: 0.03, mid: -0.04, hi: 0.05}
    # a finite-N deficit (−20/N) is extrapolated away; the network offsets (±5e-3) cancel in the dips
    res = _synthetic_ras(p, amps, true, slope=-20.0, noise=5e-3)
    for r, f in zip(res[n:n + len(p["fs_lambda"])], p["fs_lambda"]):
        r["lambda_max"] = true.get(f, 0.0)
    rows = _ras_rows(case, res)
    lam_rows, dip_rows = rows[2:5], rows[5:7]
    for r, f in zip(lam_rows, p["fs_sim"]):
        assert r["simulation"] == pytest.approx(true[f], abs=2e-4) and r["status"] == "pass"
    for r, side in zip(dip_rows, (lo, hi)):
        assert r["theory"] == pytest.approx(true[side] - true[mid])
        assert r["simulation"] == pytest.approx(true[side] - true[mid], abs=2e-4)
        assert r["stderr"] < 1e-3 and r["status"] == "pass"     # paired: the ±5e-3 offsets cancel
    # a theory dip off by 0.02 fails
    res[n + p["fs_lambda"].index(mid)]["lambda_max"] = true[mid] + 0.02
    rows = _ras_rows(case, res)
    assert rows[3]["status"] == "fail" and rows[5]["status"] == "fail" and rows[6]["status"] == "fail"


def test_population_stats_at_the_balanced_fixed_point():
    # g = 0: every unit relaxes to h* = √K I0 / (1 + √K J0); rate h*, variance 0
    K = 16
    m = dict(type="BalancedNetwork", N=40, g=0.0, J0=1.0, I0=1.0, K=K, seed=1)
    r = W.pt_population_stats(m, t_max=20.0, t_warmup=40.0, seed=0)
    h = math.sqrt(K) / (1 + math.sqrt(K))
    assert r["mean_rate"] == pytest.approx(h, abs=1e-9) and r["mean_input"] == pytest.approx(h, abs=1e-9)
    assert r["variance"] < 1e-15


def test_fixed_point_exponents_point_matches_the_eigenvalues():
    m = dict(type="RandomNetwork", N=30, g=0.5, seed=2)
    lam = np.array(W.pt_fixed_point_exponents(m)["exponents"])
    J = W._model(m).J
    ref = np.sort(-1.0 + np.linalg.eigvals(J).real)[::-1]
    assert np.max(np.abs(lam - ref)) < 1e-12


def _synthetic_rmt(p, D_inf, H_inf, b=-2.0):
    """Results in plan order: every theory gives (D_inf, H_inf); realisation r at size n has
    D/N = D_inf + b/n ± 1e-3, H/N = H_inf (1 + b/n) ± 1e-5."""
    u = np.linspace(0.0, 1.0, 11)
    th = {"method": "x", "lambda_max": 0.1, "dimension_per_N": D_inf, "entropy_rate_per_N": H_inf,
          "u": u.tolist(), "quantile": (0.1 - 2.2 * u).tolist()}
    out = []
    for g in p["gs"]:
        out += [dict(th) for _ in p["methods"]]
        for n in p["Ns"]:
            for r in range(p["n_real"][str(n)]):
                s = 1.0 if r % 2 else -1.0
                lam = 0.1 - 2.2 * (np.arange(n) + 0.5) / n
                out.append({"exponents": lam.tolist(), "stderr": [1e-3] * n,
                            "dimension_per_N": D_inf + b / n + 1e-3 * s,
                            "entropy_rate_per_N": H_inf * (1 + b / n) + 1e-5 * s})
    n = p["Ns"][-1]
    lam = -1.0 + 0.5 * np.linspace(-1, 1, n)
    out += [dict(th), {"exponents": lam.tolist()}, {"exponents": lam.tolist(), "stderr": [1e-3] * n}]
    return out


def test_rmt_case_extrapolates_d_and_h_in_n(tmp_path):
    case = CASE["rmt-continuous"]
    p = case.parameters("full")
    rows = [_row(case, chk, v, "full") for chk, v in zip(case.checks_for("full"),
                                                         case.combine("full", _synthetic_rmt(p, 0.05, 1e-3)))]
    ext = [r for r in rows if "N → ∞" in r["quantity"]]
    assert len(ext) == 2 * len(p["gs"])
    for r in ext:
        assert r["status"] == "pass" and r["simulation"] == pytest.approx(r["theory"], rel=0.05)
    # a theory 30 % off fails every extrapolated row
    res = _synthetic_rmt(p, 0.05, 1e-3)
    for r in res:
        if "quantile" in r:
            r["dimension_per_N"] *= 1.3
            r["entropy_rate_per_N"] *= 1.3
    rows = [_row(case, chk, v, "full") for chk, v in zip(case.checks_for("full"), case.combine("full", res))]
    assert {r["status"] for r in rows if "N → ∞" in r["quantity"]} == {"fail"}
    case.figure("full", _synthetic_rmt(p, 0.05, 1e-3), tmp_path / "rmt.png")
    assert (tmp_path / "rmt.png").stat().st_size > 10_000


def test_rmt_case_reports_non_chaotic_sizes_without_a_fit():
    case = CASE["rmt-continuous"]
    p = case.parameters("full")
    res = _synthetic_rmt(p, 0.05, 1e-3)
    k = len(p["methods"]) + p["n_real"][str(p["Ns"][0])]     # first g, every size after the smallest
    for r in res[k:k + sum(p["n_real"][str(n)] for n in p["Ns"][1:])]:
        r["dimension_per_N"] = r["entropy_rate_per_N"] = 0.0     # limit cycles: not chaotic
    rows = [_row(case, chk, v, "full") for chk, v in zip(case.checks_for("full"), case.combine("full", res))]
    g0 = [r for r in rows if r["quantity"].startswith(f"g = {p['gs'][0]} ") and "N → ∞" in r["quantity"]]
    assert [r["status"] for r in g0] == ["info", "info"] and g0[0]["simulation"] == 0.0
    with pytest.raises(ValueError, match="positive SEs"):
        W._fit_inverse_power([100, 200], [0.0, 0.0], [0.0, 0.0], 1)
