"""Run validation cases: plan the points, evaluate them (cached, on any executor), combine, report."""
import base64
import hashlib
import html
import json
import os
import time
from dataclasses import dataclass, field

from .._validation import check_choice, check_int
from ..results import Result, provenance

__all__ = ["validate", "ValidationReport"]

TIERS = ("identity", "limit", "theory-vs-simulation", "paper")


@dataclass
class ValidationReport(Result):
    r"""Output of :func:`validate`: one row per check.

    Attributes
    ----------
    rows : list of dict
        ``case``, ``tier``, ``quantity``, ``theory``, ``simulation``, ``stderr``, ``tolerance``,
        ``status`` ("pass", "fail" or "info"), ``metric``, ``justification`` (the tolerance's
        derivation), ``catches`` (the smallest error the check would detect), ``parameters``
        (size, seeds), ``seconds`` and ``warnings`` (the library warnings, e.g. a step-size
        warning, raised while the case's points ran; the report marks such rows with ⚠).
    mode : str
        "quick" or "full".
    seconds : float
        Wall time of the run (cached points cost nothing).
    n_points, n_cached : int
        Points evaluated in total and read from the cache.
    figures : list of str
        Figure files written next to the report.
    compute : dict
        Per case: ``points``, ``timed`` (points whose cost is known: computed by this version of
        the runner, now or in an earlier run into the same cache), and their summed ``cpu_seconds``
        (CPU time of the process that ran each point, all its threads) and ``wall_seconds``. A point
        shared by several cases counts in each.
    """

    rows: list
    mode: str
    seconds: float
    n_points: int
    n_cached: int
    figures: list
    compute: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    @property
    def failed(self):
        """The rows whose status is "fail"."""
        return [r for r in self.rows if r["status"] == "fail"]

    @property
    def warned(self):
        """The rows of cases at least one of whose points raised a library warning (``warnings``)."""
        return [r for r in self.rows if r.get("warnings")]

    @property
    def ok(self):
        """True when no check failed."""
        return not self.failed


def _key(spec):
    from .._version import __version__
    text = json.dumps({"spec": spec, "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _atomic_json(path, obj):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def run_point(spec):
    """Evaluate one point spec ``{"fn": name, "args": {...}}`` (module level: process pools, Dask).
    The library's own warnings raised while it runs (e.g. a StepSizeWarning: "the numbers of this
    run are not valid") are kept in the result under ``"warnings"`` so the report can show them."""
    import warnings
    from ..errors import MeanfieldWarning
    from .cases import POINTS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MeanfieldWarning)
        out = POINTS[spec["fn"]](**spec["args"])
    msgs = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                   if issubclass(w.category, MeanfieldWarning)})
    for w in caught:                          # everything else goes on as usual
        if not issubclass(w.category, MeanfieldWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if msgs and isinstance(out, dict):
        out = dict(out, warnings=msgs)
    return out


def _timed_point(spec):
    """:func:`run_point` with its cost: (result, {"wall": s, "cpu": s}) (module level: pools, Dask)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = run_point(spec)
    return out, {"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0}


def _store(out, key, result, cost, results, costs):
    """Cache one finished point: its cost first, then the result (whose presence marks it done)."""
    _atomic_json(os.path.join(out, "cache", "cost", key + ".json"), cost)
    _atomic_json(os.path.join(out, "cache", key + ".json"), result)
    results[key], costs[key] = result, cost


def _compute(keys, costs):
    table = {}
    for name, ks in keys.items():
        known = [costs[k] for k in set(ks) if k in costs]
        table[name] = {"points": len(ks), "timed": len(known),
                       "cpu_seconds": sum(c["cpu"] for c in known),
                       "wall_seconds": sum(c["wall"] for c in known)}
    return table


def _executor(executor, workers):
    from ..phase import _executor as make
    if executor in (None, "serial"):
        return make(None, 1)
    if executor == "process":
        return make(None, workers)
    return make(executor, None)


def validate(mode="quick", cases=None, out="validation/out", executor=None, workers=None, progress=True):
    r"""Run the validation suite: theory against simulation, case by case.

    Parameters
    ----------
    mode : {"quick", "full"}
        "quick": small sizes (minutes on 2 cores); "full": the sizes of the papers' figures.
    cases : sequence of str, optional
        Case names or tier names to run (default all); see :data:`meanfield.validate.CASES`.
    out : path
        Output folder: ``report.md``, ``report.html`` (figures embedded), ``report.json`` and
        the figures; ``cache/`` holds every finished point (atomic writes), so an interrupted
        run resumes without recomputing anything, and ``cache/cost/`` its CPU and wall seconds
        (the report's compute table).
    executor : None, "serial", "process" or an object with ``submit``
        Where points run: serially, on a process pool of ``workers``, or on any
        ``concurrent.futures``-style executor (a ``distributed.Client`` for a cluster).
    workers : int, optional
        Process-pool size for ``executor="process"`` (default: all CPUs); each worker gets
        cores // workers BLAS threads, so a large point does not spin threads against the others.
    progress : bool
        Progress bar over points.

    Returns
    -------
    ValidationReport
    """
    from .cases import CASES
    mode = check_choice("mode", mode, {"quick", "full"})
    if workers is not None:
        workers = check_int("workers", workers, 1)
    selected = [c for c in _select(CASES, cases) if mode in c.sizes]     # some cases are full-only
    os.makedirs(os.path.join(out, "cache", "cost"), exist_ok=True)
    t0 = time.time()
    plans = {c.name: c.plan(mode) for c in selected}
    keys = {name: [_key(spec) for spec in plan] for name, plan in plans.items()}    # hashed once
    specs = {k: spec for name, plan in plans.items() for k, spec in zip(keys[name], plan)}
    results, costs, n_cached = {}, {}, 0
    todo = []
    for key, spec in specs.items():
        path = os.path.join(out, "cache", key + ".json")
        if os.path.exists(path):
            with open(path) as f:
                results[key] = json.load(f)
            n_cached += 1
            cost = os.path.join(out, "cache", "cost", key + ".json")
            if os.path.exists(cost):
                with open(cost) as f:
                    costs[key] = json.load(f)
        else:
            todo.append(key)
    from .. import _engine
    from ..phase import _SerialExecutor, _cancel, _completed
    with _executor(executor, workers) as ex:
        if isinstance(ex, _SerialExecutor):
            # one point at a time, each cached as it finishes (the serial executor runs a task on submit,
            # so submitting all first would cache nothing until the last point is done)
            with _engine.progress_bar(len(todo), "validate", progress, unit="point") as bar:
                for k in todo:
                    _store(out, k, *_timed_point(specs[k]), results, costs)
                    bar.update(1)
            todo = []
        futs = {ex.submit(_timed_point, specs[k]): k for k in todo}
        try:
            with _engine.progress_bar(len(futs), "validate", progress, unit="point") as bar:
                for fut in _completed(list(futs)):
                    _store(out, futs[fut], *fut.result(), results, costs)
                    bar.update(1)
        except BaseException:
            _cancel(list(futs))
            raise
    rows, figures = [], []
    for c in selected:
        pts = [results[k] for k in keys[c.name]]
        warned = sorted({m for p in pts if isinstance(p, dict) for m in p.get("warnings", ())})
        for check, vals in zip(c.checks_for(mode), c.combine(mode, pts)):
            rows.append(dict(_row(c, check, vals, mode), warnings=warned))
        if c.figure is not None:
            path = os.path.join(out, f"{c.name}.png")
            c.figure(mode, pts, path)
            figures.append(os.path.basename(path))
    rep = ValidationReport(rows=rows, mode=mode, seconds=time.time() - t0, n_points=len(specs),
                           n_cached=n_cached, figures=figures, compute=_compute(keys, costs))
    write_report(rep, out)
    return rep


def _select(cases, names):
    if names is None:
        return list(cases)
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    known = {c.name for c in cases} | set(TIERS)
    bad = [n for n in names if n not in known]
    if bad:
        raise ValueError(f"cases: unknown {bad}; choose from tiers {list(TIERS)} or cases "
                         f"{sorted(c.name for c in cases)}")
    return [c for c in cases if c.name in names or c.tier in names]


def _row(case, check, vals, mode):
    th, sim, se, tol = vals.get("theory"), vals.get("simulation"), vals.get("stderr"), vals.get("tolerance")
    if "passed" in vals:                   # a one-sided or compound check decided by the case
        status = "pass" if vals["passed"] else "fail"
    elif tol is None:
        status = "info"
    else:
        status = "pass" if abs(sim - (0.0 if th is None else th)) <= tol else "fail"
    return {"case": case.name, "title": case.title, "tier": case.tier, "quantity": check.quantity,
            "metric": check.metric, "theory": th, "simulation": sim, "stderr": se, "tolerance": tol,
            "status": status, "justification": check.tolerance, "catches": check.catches,
            "theory_computes": case.theory, "simulation_computes": case.simulation,
            "parameters": dict(case.parameters(mode), **vals.get("extra", {}))}


def _fmt(v):
    return "—" if v is None else f"{v:.6g}"


def _md(text):
    return str(text).replace("|", "\\|")


def write_report(rep, out):
    """Write ``report.json``, ``report.md`` and a self-contained ``report.html`` into ``out``."""
    _atomic_json(os.path.join(out, "report.json"), {
        "mode": rep.mode, "seconds": rep.seconds, "n_points": rep.n_points, "n_cached": rep.n_cached,
        "versions": rep.versions, "cases": rep.rows, "compute": rep.compute})
    head = ["case", "tier", "quantity", "theory", "simulation", "SE", "tolerance", "status"]
    lines = ["# meanfield validation report", "",
             f"meanfield {rep.versions['meanfield']}, mode {rep.mode}; {rep.seconds:.1f} s; "
             f"{rep.n_points} points ({rep.n_cached} from the cache).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rep.rows:
        st = {"pass": "pass", "fail": "**FAIL**", "info": "info"}[r["status"]]
        st += " ⚠" if r.get("warnings") else ""
        lines.append(f"| {_md(r['title'])} | {r['tier']} | {_md(r['quantity'])} | {_fmt(r['theory'])} | "
                     f"{_fmt(r['simulation'])} | {_fmt(r['stderr'])} | {_fmt(r['tolerance'])} | {st} |")
    lines += ["", "## What each check computes, its tolerance and what it would catch", ""]
    for r in rep.rows:
        lines.append(f"- **{r['title']} — {r['quantity']}**: theory: {r['theory_computes']}; simulation: "
                     f"{r['simulation_computes']}. Tolerance: {r['justification']}. Catches: {r['catches']}.")
    warned = {r["case"]: r["warnings"] for r in rep.warned}
    if warned:
        lines += ["", "## Warnings (⚠): the library warned while computing these cases' points", ""]
        lines += [f"- **{_md(c)}**: " + "; ".join(_md(m) for m in w) for c, w in warned.items()]
    if rep.figures:
        lines += ["", "Figures: " + ", ".join(f"`{f}`" for f in rep.figures)]
    if rep.compute:
        lines += ["", "## Compute: the cost of each case's points", "",
                  "Summed over the points whose cost is known (timed); a point shared by cases counts in "
                  "each.",
                  "", "| case | points | timed | CPU s | wall s |", "|---|---|---|---|---|"]
        lines += [f"| {_md(c)} | {v['points']} | {v['timed']} | {v['cpu_seconds']:.0f} | "
                  f"{v['wall_seconds']:.0f} |" for c, v in rep.compute.items()]
    n_fail = len(rep.failed)
    lines += ["", f"{len(rep.rows) - n_fail} passed or informational, {n_fail} failed"
              + (f", {len(rep.warned)} with warnings (⚠)." if warned else ".")]
    md = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)

    def cells(r):
        vals = (r["title"], r["tier"], r["quantity"], _fmt(r["theory"]), _fmt(r["simulation"]),
                _fmt(r["stderr"]), _fmt(r["tolerance"]), r["status"] + (" ⚠" if r.get("warnings") else ""))
        return "".join(f"<td>{html.escape(str(v))}</td>" for v in vals)
    rows = "".join(f"<tr class='{r['status']}'>{cells(r)}</tr>" for r in rep.rows)
    figs = ""
    for name in rep.figures:
        with open(os.path.join(out, name), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        figs += (f"<figure><img src='data:image/png;base64,{data}'>"
                 f"<figcaption>{html.escape(name)}</figcaption></figure>")
    notes = "".join(f"<li><b>{html.escape(r['title'])} — {html.escape(r['quantity'])}</b>: tolerance "
                    f"{html.escape(r['justification'])}; catches {html.escape(r['catches'])}</li>"
                    for r in rep.rows)
    notes += "".join(f"<li>⚠ <b>{html.escape(c)}</b>: the library warned while computing its points: "
                     f"{html.escape('; '.join(w))}</li>" for c, w in warned.items())
    page = ("<!doctype html><meta charset='utf-8'><title>meanfield validation</title><style>"
            "body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px}.fail{background:#fdd}.pass{background:#efe}"
            "img{max-width:32em}</style><h1>meanfield validation report</h1>"
            f"<p>meanfield {html.escape(rep.versions['meanfield'])}, mode {rep.mode}; {rep.seconds:.1f} s; "
            f"{n_fail} failed.</p><table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{rows}</table>"
            f"<ul>{notes}</ul>{figs}")
    with open(os.path.join(out, "report.html"), "w") as f:
        f.write(page)
    return md
