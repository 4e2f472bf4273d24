"""The validation suite's machinery: cases as data, cache and resume, reports, executors, exit status."""
import json
from concurrent.futures import ProcessPoolExecutor

import pytest

import meanfield.validate as V
from meanfield.cli import main
from meanfield.validate import cases as C

CHEAP = "linear-map,balanced-fixed-point"
KEYS = ("case", "quantity", "theory", "simulation", "stderr", "tolerance", "status", "justification",
        "catches", "parameters", "tier")


def test_cases_are_declared_as_data():
    names = [c.name for c in V.CASES]
    assert len(names) == len(set(names))
    for c in V.CASES:
        assert c.tier in V.TIERS
        assert "full" in c.sizes                          # a case may be full-only, never quick-only
        for mode in [m for m in ("quick", "full") if m in c.sizes]:
            plan = c.plan(mode)
            json.dumps(plan)                              # points are plain data (cache keys, executors)
            assert all(p["fn"] in C.POINTS for p in plan)
            assert c.checks_for(mode)
            for chk in c.checks_for(mode):
                assert chk.tolerance and chk.catches and chk.metric


def test_report_files_and_resume(tmp_path):
    out = tmp_path / "v"
    r1 = V.validate("quick", cases=CHEAP, out=str(out), progress=False)
    assert r1.ok and r1.n_cached == 0 and r1.n_points == 3 and len(r1.rows) == 3
    assert {row["status"] for row in r1.rows} == {"pass"}
    data = json.loads((out / "report.json").read_text())
    assert data["versions"]["meanfield"] and len(data["cases"]) == 3
    for row in data["cases"]:
        assert all(k in row for k in KEYS)
    assert "\\|" in (out / "report.md").read_text()        # pipes inside cells are escaped
    assert "<table>" in (out / "report.html").read_text()
    # a second run reads every point from the cache and gives the same numbers
    r2 = V.validate("quick", cases=CHEAP, out=str(out), progress=False)
    assert r2.n_cached == r2.n_points == 3
    assert [row["simulation"] for row in r2.rows] == [row["simulation"] for row in r1.rows]


def test_interrupted_run_resumes_without_recomputing(tmp_path, monkeypatch):
    out = str(tmp_path / "v")
    V.validate("quick", cases="linear-map", out=out, progress=False)       # part of the work
    calls = []
    real = C.POINTS["spectrum"]
    monkeypatch.setitem(C.POINTS, "spectrum", lambda **kw: calls.append(kw) or real(**kw))
    r = V.validate("quick", cases=CHEAP, out=out, progress=False)
    assert r.n_cached == 2 and calls == []          # the linear map's points came from the cache


def test_serial_run_caches_each_point_as_it_finishes(tmp_path, monkeypatch):
    # the first point is on disk before the second starts, so a killed serial run loses at most one point
    out = tmp_path / "v"
    seen, real = [], C.POINTS["eig_log"]
    monkeypatch.setitem(C.POINTS, "eig_log",
                        lambda **kw: seen.append(len(list((out / "cache").glob("*.json")))) or real(**kw))
    V.validate("quick", cases="linear-map", out=str(out), progress=False)
    assert seen == [1]


def test_process_pool_gives_the_serial_numbers(tmp_path):
    a = V.validate("quick", cases="linear-map", out=str(tmp_path / "a"), progress=False)
    with ProcessPoolExecutor(2) as ex:
        b = V.validate("quick", cases="linear-map", out=str(tmp_path / "b"), executor=ex, progress=False)
    assert [r["simulation"] for r in a.rows] == [r["simulation"] for r in b.rows]


def test_failing_check_sets_the_exit_status(tmp_path, monkeypatch):
    bad = C.Case("always-off", "identity", "always off", "0", "1",
                 (C.Check("x", "abs difference", "0.5", "anything above 0.5"),),
                 {"quick": {}, "full": {}}, lambda p: [{"fn": "mean_rate", "args": {
                     "model": {"type": "BalancedNetwork", "N": 20, "g": 0.0, "J0": 1.0, "I0": 1.0, "K": 4,
                               "seed": 1}, "t_max": 1.0, "dt": 0.1}}],
                 lambda p, res: [dict(theory=0.0, simulation=1.0, tolerance=0.5)])
    monkeypatch.setattr(C, "CASES", C.CASES + (bad,))
    assert main(["validate", "--cases", "always-off", "--out", str(tmp_path / "v"), "--no-progress"]) == 1
    assert main(["validate", "--cases", "balanced-fixed-point", "--out", str(tmp_path / "w"),
                 "--no-progress"]) == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        V.validate("medium")
    with pytest.raises(ValueError, match="cases"):
        V.validate("quick", cases="no-such-case")
    with pytest.raises(TypeError, match="workers"):
        V.validate("quick", cases=CHEAP, workers=1.5)


def test_real_dask_cluster_gives_the_serial_numbers(tmp_path):
    # a real distributed.LocalCluster with 2 worker processes (not a stand-in client)
    distributed = pytest.importorskip("distributed")
    import meanfield as mf
    serial = V.validate("quick", cases="linear-map", out=str(tmp_path / "a"), progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        dask = V.validate("quick", cases="linear-map", out=str(tmp_path / "b"), executor=client,
                          progress=False)
        net = mf.RandomNetwork(60, 3.0)
        kw = dict(frequency=0.2, correlation="independent", method="simulation", n_seeds=2, seed=4,
                  options={"t_sim": 20.0, "t_warmup": 5.0}, progress=False)
        pd_dask = mf.phase_diagram(net, "g", [2.0, 3.0], [0.0, 1.0], executor=client, **kw)
    pd_serial = mf.phase_diagram(net, "g", [2.0, 3.0], [0.0, 1.0], max_workers=1, **kw)
    assert [r["simulation"] for r in serial.rows] == [r["simulation"] for r in dask.rows]
    assert (pd_dask.samples == pd_serial.samples).all()


def test_library_warnings_of_a_point_reach_the_report(tmp_path, monkeypatch, capsys):
    import warnings
    from meanfield.errors import StepSizeWarning

    def noisy(x):
        warnings.warn("dt = 0.1 is too large; the numbers of this run are not valid", StepSizeWarning)
        return {"value": x}
    monkeypatch.setitem(C.POINTS, "noisy", noisy)
    case = C.Case("warned", "identity", "a warned point", "0", "1",
                  (C.Check("x", "abs difference", "0.5", "anything above 0.5"),), {"quick": {}, "full": {}},
                  lambda p: [{"fn": "noisy", "args": {"x": 0.25}}],
                  lambda p, res: [dict(theory=0.0, simulation=res[0]["value"], tolerance=0.5)])
    monkeypatch.setattr(C, "CASES", C.CASES + (case,))
    out = tmp_path / "v"
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # the runner records it instead of letting it escape
        rep = V.validate("quick", cases="warned,linear-map", out=str(out), progress=False)
    warned = [r for r in rep.rows if r["case"] == "warned"]
    assert warned[0]["status"] == "pass" and warned[0]["warnings"] == [
        "StepSizeWarning: dt = 0.1 is too large; the numbers of this run are not valid"]
    assert rep.warned == warned and all(not r["warnings"] for r in rep.rows if r["case"] != "warned")
    # cached: the warning survives a resumed run, and the report and the CLI show it
    assert main(["validate", "--cases", "warned", "--out", str(out), "--no-progress"]) == 0
    assert "warned's points" in capsys.readouterr().out
    md = (out / "report.md").read_text()
    assert "pass ⚠" in md and "## Warnings" in md and "not valid" in md
    page = (out / "report.html").read_text()
    assert "pass ⚠" in page and "not valid" in page
    assert json.loads((out / "report.json").read_text())["cases"][0]["warnings"]


def test_progress_in_a_log_is_plain_lines(tmp_path, monkeypatch, capsys):
    """Where stderr is not a terminal (a batch job, nohup, CI) progress comes as lines, not a dead bar."""
    from meanfield import _engine
    monkeypatch.setattr(_engine, "LOG_EVERY", 0.0)
    V.validate("quick", cases=CHEAP, out=str(tmp_path / "v"))
    lines = [s for s in capsys.readouterr().err.splitlines() if s.startswith("validate:")]
    assert lines[0].startswith("validate: 1/3 point (33 %)") and "elapsed" in lines[0]
    assert lines[-1].startswith("validate: 3/3 point (100 %)") and lines[-1].endswith("~0:00:00 left")
    V.validate("quick", cases=CHEAP, out=str(tmp_path / "w"), progress=False)
    assert "validate:" not in capsys.readouterr().err


def test_a_short_run_logs_nothing_and_postfix_is_shown(capsys, monkeypatch):
    from meanfield import _engine
    with _engine.progress_bar(10, "floss", True, unit="step") as bar:
        bar.update(10)
    assert capsys.readouterr().err == ""                 # under LOG_EVERY: silent
    monkeypatch.setattr(_engine, "LOG_EVERY", 0.0)
    bar = _engine.progress_bar(4, "sparse BPTT", True, unit="update")
    bar.set_postfix(loss="0.05")
    bar.update(1)
    assert capsys.readouterr().err.strip().endswith("(25 %), 0:00:00 elapsed, ~0:00:00 left, loss=0.05")


def test_compute_table_sums_the_cost_of_each_cases_points(tmp_path):
    out = tmp_path / "v"
    r1 = V.validate("quick", cases=CHEAP, out=str(out), progress=False)
    costs = {p.name: json.loads(p.read_text()) for p in (out / "cache" / "cost").glob("*.json")}
    assert len(costs) == 3 and all(c["wall"] > 0 and c["cpu"] >= 0 for c in costs.values())
    lm = r1.compute["linear-map"]
    assert (lm["points"], lm["timed"]) == (2, 2) and r1.compute["balanced-fixed-point"]["timed"] == 1
    assert sum(v["wall_seconds"] for v in r1.compute.values()) == pytest.approx(
        sum(c["wall"] for c in costs.values()))
    # a resumed run reads the costs back with the results; a point without its cost file is untimed
    (out / "cache" / "cost" / next(iter(costs))).unlink()
    r2 = V.validate("quick", cases=CHEAP, out=str(out), progress=False)
    assert r2.n_cached == 3 and sum(v["timed"] for v in r2.compute.values()) == 2
    md = (out / "report.md").read_text()
    assert "## Compute" in md and "| linear-map | 2 |" in md
    assert json.loads((out / "report.json").read_text())["compute"] == r2.compute
