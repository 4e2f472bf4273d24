"""Chaos-suppression cases (meanfield/validate/suppression.py): registration, the skip estimator,
the N extrapolation and the exactness of the gap decomposition."""
import math

import numpy as np
import pytest

import meanfield as mf
import meanfield.validate as V
from meanfield.validate import cases as C
from meanfield.validate import suppression as S


def test_registered_full_only_and_skipped_by_quick():
    names = {c.name for c in S.CASES}
    assert names <= {c.name for c in V.CASES}
    assert set(S.POINTS) <= set(C.POINTS)
    for c in S.CASES:
        assert set(c.sizes) == {"full"}


def test_quick_run_skips_full_only_cases(tmp_path):
    rep = V.validate("quick", cases="suppression-gap,balanced-fixed-point", out=str(tmp_path), progress=False)
    assert {r["case"] for r in rep.rows} == {"balanced-fixed-point"} and rep.n_points == 1


def test_points_are_shared_between_cases():
    from meanfield.validate.runner import _key
    by = {c.name: {_key(s) for s in c.plan("full")} for c in S.CASES}
    gap = by["suppression-gap"]
    # the paper-size λ(I1) case reuses the gap's N = 5000 runs next to the crossing and its theory points
    # (theory next to the crossing and on its chaotic side, I1_c, runs)
    n = sum(len(S._near_seeds(S.GAP, c, S.GAP["N_paper"])) for c in S.CORRS)
    assert len(by["suppression-lambda"] & gap) == 2 * (2 + 1) + n
    # f = 0.2, g = 2 of the f/g sweep is the gap's critical amplitude
    # and its simulated point at f = 0.2, g = 2 is the gap's N = 2000 runs at I1 = 4
    assert len(by["suppression-frequency-g"] & gap) == 2 + S.FG_SIM["n_real"]


def test_skip_estimator_is_the_raw_estimate_without_its_first_increments():
    kw = dict(N=200, amplitude=1.0, correlation="independent", net_seed=3, run_seed=4, dt=0.05,
              integrator="euler", t_sim=20.0, t_warmup=5.0, g=2.0)
    r0 = S.pt_suppression_sim(t_skip=0.0, **kw)
    assert r0["lambda_max"] == pytest.approx(r0["lambda_raw"], rel=1e-12, abs=1e-14)
    r5 = S.pt_suppression_sim(t_skip=5.0, **kw)
    assert r5["lambda_raw"] == r0["lambda_raw"]                      # same run
    m = S._balanced(200, 1.0, "independent", S.F, 2.0, 3)
    full = mf.lyapunov_max(m, t_sim=20.0, t_warmup=5.0, dt=0.05, integrator="euler", seed=4, threads=1,
                           progress=False)
    cum = full.history * full.history_times                         # ln(d/d0) summed to each time
    i5 = int(np.searchsorted(full.history_times, 5.0))
    assert r5["lambda_max"] == pytest.approx((cum[-1] - cum[i5]) / (20.0 - 5.0), rel=1e-12)
    assert r5["lambda_max_error"] > 0


def test_inverse_fit_recovers_exact_data():
    Ns = [1000, 2000, 5000]
    lam = [0.01 - 3.0 / N for N in Ns]
    inf, se, a, chi2 = S._fit_inverse(Ns, lam, [1e-3] * 3)
    assert inf == pytest.approx(0.01, abs=1e-12) and a == pytest.approx(-3.0, rel=1e-9)
    assert chi2 == pytest.approx(0.0, abs=1e-18) and se > 0
    inf_h, _, a_h, _ = S._fit_inverse(Ns, [0.01 + 0.5 / math.sqrt(N) for N in Ns], [1e-3] * 3, power=0.5)
    assert inf_h == pytest.approx(0.01, abs=1e-12) and a_h == pytest.approx(0.5, rel=1e-9)


def _fake_results(p, rng):
    out = []
    for tag, spec in S._gap_points(p):
        if tag[0] == "crit":
            out.append({"amplitude": 4.0, "amplitude_error": 1e-4, "slope": -0.04})
        elif tag[0] in ("th", "thE", "thc"):
            out.append({"lambda_max": rng.normal(0, 0.01), "lambda_max_error": 1e-4})
        else:
            lam = rng.normal(0, 0.01)
            out.append({"lambda_max": lam, "lambda_max_error": 0.003,
                        "lambda_raw": lam - abs(rng.normal(0.005, 0.002)), "lambda_raw_error": 0.003})
    return out


def test_gap_terms_add_up_to_the_total_exactly():
    rng = np.random.default_rng(0)
    p = dict(S.GAP)
    dec = S.gap_decomposition(p, _fake_results(p, rng))
    for corr in S.CORRS:
        t = dec[corr]["terms"]
        parts = sum(t[k]["lam"] for k in ("estimator", "finite_N", "remainder", "time_step"))
        assert parts == pytest.approx(t["total"]["lam"], abs=1e-15)
        slope = abs(dec[corr]["slope"])
        assert t["total"]["amplitude"] == pytest.approx(t["total"]["lam"] / slope, rel=1e-12)
    rows = S.CASES[0].combine_fn(p, _fake_results(p, rng))
    assert len(rows) == len(S.CASES[0].checks)


def test_theory_failure_is_returned_not_raised():
    # independent input to a balanced network with g <= sqrt(2) is outside the DMFT's regime
    r = S.pt_suppression_critical(N=1000, correlation="independent", g=1.2)
    assert math.isnan(r["amplitude"]) and "Error" in r["error"]


def test_lambda_case_reports_every_simulated_amplitude_against_its_theory():
    p = dict(S.LAMBDA)
    case = next(c for c in S.CASES if c.name == "suppression-lambda")
    for corr in S.CORRS:          # every simulated amplitude has a theory point
        assert set(S._lambda_amps(p, corr, "sim")) <= set(S._lambda_amps(p, corr, "th"))
    tags = [t for t, _ in S._lambda_points(p)]
    lam_th = {"independent": lambda a: 0.1 - 0.025 * a, "common": lambda a: 0.1 - 0.0016 * a}
    out = []
    for t in tags:
        if t[0] == "crit":
            out.append({"amplitude": 4.0 if t[1] == "independent" else 62.5, "amplitude_error": 1e-3,
                        "slope": -0.025})
        elif t[0] == "th":
            out.append({"lambda_max": lam_th[t[1]](t[2]), "lambda_max_error": 1e-5})
        else:                     # simulation: the theory line lowered by 0.01
            lam = lam_th[t[1]](t[2]) - 0.01
            out.append({"lambda_max": lam, "lambda_max_error": 0.002, "lambda_raw": lam,
                        "lambda_raw_error": 0.002})
    rows = case.combine_fn(p, out)
    checks = case.checks_for("full")
    assert len(rows) == len(checks)
    by = {c.quantity: r for c, r in zip(checks, rows)}
    r = by["independent: λ_max(I1 = 3), N = 5000"]
    assert r["theory"] == pytest.approx(0.025) and r["simulation"] == pytest.approx(0.015)
    r = by["common: λ_max(I1 = 0.6 √N I0 = 42.43), N = 5000"]
    assert r["theory"] == pytest.approx(0.1 - 0.0016 * 0.6 * math.sqrt(5000))
    # the simulated crossing is the root of the line through the bracketing pair (3, 4) of the
    # lowered line λ = 0.09 − 0.025 I1, i.e. I1 = 3.6
    c = by["independent: I1_c (simulation: secant through the two simulated amplitudes bracketing λ = 0)"]
    assert c["simulation"] == pytest.approx(3.6, rel=1e-9)
