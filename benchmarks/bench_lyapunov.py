#!/usr/bin/env python
"""Benchmark ``meanfield.lyapunov_spectrum``: distance to the BLAS floor, and peers.

Run from the repository root::

    python benchmarks/bench_lyapunov.py            # floor table, default + 1 BLAS thread
    python benchmarks/bench_lyapunov.py --quick    # short smoke run (1 repeat, short T)
    python benchmarks/bench_lyapunov.py --peers    # also jitcode_lyap and lyapynov

The markdown tables go to stdout and to ``benchmarks/out/lyapunov.md``; raw numbers
to ``benchmarks/out/lyapunov.json``.  See ``benchmarks/README.md`` for what the
columns mean.

1. Floor.  For ``RandomNetwork(N, g=2, seed=1)`` (tanh, J_ii = 0) and the full
   spectrum, wall time per simulated τ of ``lyapunov_spectrum`` (dt = 0.1,
   t_ons = 1, no warm-up) against the same process's cost of the unavoidable
   BLAS/LAPACK work per τ: 10 (Euler) or 40 (RK4) products J (N×N) · S (N×(N+1))
   plus one Householder QR (dgeqrf + dorgqr) of an N×N matrix.  The floor is
   timed with two self-consistent BLAS stacks -- numpy's (np.dot + np.linalg.qr)
   and scipy's (blas.dgemm + lapack dgeqrf/dorgqr with optimal lwork; the OpenBLAS
   that Numba's kernels call) -- and the cheaper one is used.  The two stacks are
   never mixed inside one timed block: two OpenBLAS copies in one process steal
   each other's cores while their idle workers spin (measured: +35% on the floor).
   Both sides get the same BLAS thread count: all cores (``threads=os.cpu_count()``
   is passed explicitly, because ``threads=None`` drops to 1 thread for
   N²(k+1) < 2e8) and, unless ``--quick``, 1 thread.

2. Peers (``--peers``).  The same network, initial state and run length with
   ``jitcode_lyap`` (symbolic tangent ODE compiled to C, dopri5) and ``lyapynov``
   (ContinuousDS + LCE: RK4 with the Jacobian frozen over the stages, QR every
   step).  Speed per τ (compile time separately) and accuracy: agreement with
   meanfield (max |Δλ| and max |Δλ|/stderr), the identity mean(λ) = -1 of this
   flow (tr A = -N because J_ii = 0), and each tool's own discretisation error.
   All three run with one BLAS thread.

Timing hygiene: before every timed block the script sleeps in 1 s windows until
other processes use less than 2.5% of the machine (read from /proc/stat; at most
5 minutes), which also lets idle OpenBLAS workers park.  Blocks are repeated and
the minimum is kept; a block during which other processes used more than 5% of
the machine is repeated (up to 3 extra times) and flagged with ``*`` if it never
ran clean.
"""
import argparse
import datetime
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"

G, NET_SEED, RUN_SEED, DT, T_ONS = 2.0, 1, 2, 0.1, 1.0
GEMMS_PER_TAU = {"euler": 10, "rk4": 40}
FOREIGN_MAX = 0.05
SETTLE = 0.5            # s of sleep before a timed block (without /proc)
QUIET_WAIT = 300.0      # s to wait at most for other processes to go quiet
JITCODE_COMPILE_LIMIT = 600.0

# simulated time per run (τ), chosen so that one run takes a few seconds here
T_FULL = {("euler", 250): 400, ("euler", 500): 100, ("euler", 1000): 20,
          ("rk4", 250): 150, ("rk4", 500): 30, ("rk4", 1000): 10}
T_QUICK = {("euler", 250): 100, ("euler", 500): 20, ("euler", 1000): 10,
           ("rk4", 250): 30, ("rk4", 500): 10, ("rk4", 1000): 10}


# --------------------------------------------------------------------------- timing

class CpuMonitor:
    """Busy jiffies of the whole machine minus those of this process (Linux only)."""

    def __init__(self):
        self.ok = os.path.exists("/proc/stat") and os.path.exists("/proc/self/stat")
        self.hz = os.sysconf("SC_CLK_TCK") if self.ok else 100
        self.ncpu = os.cpu_count() or 1

    def _read(self):
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
        with open("/proc/self/stat") as f:
            s = f.read().rsplit(")", 1)[1].split()
        own = int(s[11]) + int(s[12])      # utime + stime of all threads
        return busy, own

    def start(self):
        return self._read() if self.ok else None

    def foreign(self, token, wall):
        """Fraction of the machine's capacity used by other processes since ``token``."""
        if token is None or wall <= 0:
            return float("nan")
        b0, o0 = token
        b1, o1 = self._read()
        return max(0.0, ((b1 - b0) - (o1 - o0)) / (self.hz * wall * self.ncpu))


MON = CpuMonitor()


def wait_quiet(max_wait=QUIET_WAIT, window=1.0):
    """Sleep in 1 s windows until other processes use < FOREIGN_MAX/2 of the machine.

    Also lets the idle OpenBLAS workers of the other library park.  Gives up
    after ``max_wait`` seconds (the block is then timed anyway and flagged if loaded).
    """
    t_end = time.monotonic() + max_wait
    while True:
        tok = MON.start()
        time.sleep(window)
        fl = MON.foreign(tok, window)
        if not fl > FOREIGN_MAX / 2 or time.monotonic() > t_end:
            return fl


def timed(fn, settle=SETTLE):
    """(wall seconds, foreign load, return value) of one call, after waiting for a quiet machine."""
    if MON.ok:
        wait_quiet()
    else:
        time.sleep(settle)
    tok = MON.start()
    t0 = time.perf_counter()
    ret = fn()
    wall = time.perf_counter() - t0
    return wall, MON.foreign(tok, wall), ret


def clean_run(fn, extra=3):
    """Call until the foreign load is below FOREIGN_MAX (at most 1 + extra times)."""
    best = None
    for _ in range(1 + extra):
        wall, fl, ret = timed(fn)
        if best is None or (fl <= FOREIGN_MAX) > (best[1] <= FOREIGN_MAX) or \
                ((fl <= FOREIGN_MAX) == (best[1] <= FOREIGN_MAX) and wall < best[0]):
            best = (wall, fl, ret)
        if fl <= FOREIGN_MAX or math.isnan(fl):
            break
    return best


# --------------------------------------------------------------------------- environment

def git_state():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "meanfield"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + (" (meanfield/ has uncommitted changes)" if dirty else "")
    except Exception:          # noqa: BLE001 -- not a git checkout
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_libs():
    from threadpoolctl import threadpool_info
    return [f"{os.path.basename(d['filepath'])} {d.get('version')} ({d.get('num_threads')} threads)"
            for d in threadpool_info() if d.get("user_api") == "blas"]


def header(args):
    import numba
    import scipy

    import meanfield as mf
    lines = [
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}",
        f"- meanfield {mf.__version__} @ git {git_state()}; numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}",
        f"- BLAS libraries loaded: {'; '.join(blas_libs())}",
        f"- load average at start: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "",
        f"- mode: {'quick' if args.quick else 'full'}; repeats per cell: {args.repeats}; "
        f"foreign-load limit per timed block: {FOREIGN_MAX:.0%}",
    ]
    return [s for s in lines if s]


# --------------------------------------------------------------------------- part 1: floor

def initial_state(N, seed=RUN_SEED):
    """x0 and the first basis exactly as lyapunov_spectrum(seed=seed) draws them."""
    from meanfield import lyapunov as L
    ss_x0, ss_basis, _ = np.random.SeedSequence(seed).spawn(3)
    x0 = np.random.default_rng(ss_x0).standard_normal(N)
    if hasattr(L, "_initial_basis"):
        Q0 = L._initial_basis(ss_basis, N, N)
    else:                                          # same construction, if the helper moves
        q, r = np.linalg.qr(np.random.default_rng(ss_basis).standard_normal((N, N)).T)
        Q0 = np.ascontiguousarray(q * np.sign(np.diag(r))[None, :])
    return x0, Q0


def run_meanfield(net, T, method, dt=DT, x0=None, threads=None):
    import meanfield as mf
    return mf.lyapunov_spectrum(net, t_sim=T, t_warmup=0, t_warmup_tangent=0, dt=dt, t_ons=T_ONS,
                                integrator=method, seed=RUN_SEED, progress=False, x0=x0, threads=threads)


def library_default_threads(N, k):
    """What lyapunov_spectrum(threads=None) would use: 1, or None (= as configured)."""
    try:
        from meanfield._threads import default_threads
        t = default_threads(k + 1, N)
    except Exception:                      # noqa: BLE001 -- private helper moved or changed
        return "?"
    return "all" if t is None else str(t)


class Floor:
    """The BLAS/LAPACK work of one τ, in one library at a time."""

    def __init__(self, J, ngemm):
        from scipy.linalg import blas, lapack
        N = J.shape[0]
        rng = np.random.default_rng(0)
        self.J = np.ascontiguousarray(J, dtype=np.float64)
        self.S = np.ascontiguousarray(rng.standard_normal((N, N + 1)))
        self.P = np.empty_like(self.S)
        self.A = rng.standard_normal((N, N))           # C order, for np.linalg.qr
        self.AF = np.asfortranarray(self.A)             # F order, LAPACK in place
        self.ngemm = ngemm
        self.blas, self.lapack = blas, lapack
        self.lw_geqrf = int(lapack.dgeqrf_lwork(N, N)[0])
        self.lw_orgqr = int(lapack.dorgqr(np.zeros((N, N), order="F"), np.zeros(N), lwork=-1)[1][0])
        # the scipy dgemm path must write J @ S into P without copies
        blas.dgemm(1.0, self.S.T, self.J.T, c=self.P.T, overwrite_c=1)
        if not np.allclose(self.P, self.J @ self.S):
            raise RuntimeError("scipy dgemm floor path does not compute J @ S")

    def numpy_tau(self, n, parts):
        J, S, P, A = self.J, self.S, self.P, self.A
        for _ in range(n):
            t0 = time.perf_counter()
            for _ in range(self.ngemm):
                np.dot(J, S, out=P)
            t1 = time.perf_counter()
            np.linalg.qr(A)
            t2 = time.perf_counter()
            parts[0] += t1 - t0
            parts[1] += t2 - t1

    def scipy_tau(self, n, parts):
        dgemm, geqrf, orgqr = self.blas.dgemm, self.lapack.dgeqrf, self.lapack.dorgqr
        St, Jt, Pt = self.S.T, self.J.T, self.P.T
        for _ in range(n):
            t0 = time.perf_counter()
            for _ in range(self.ngemm):
                dgemm(1.0, St, Jt, c=Pt, overwrite_c=1)
            t1 = time.perf_counter()
            qr, tau, _, info = geqrf(self.AF, lwork=self.lw_geqrf, overwrite_a=1)
            q, _, info = orgqr(qr, tau, lwork=self.lw_orgqr, overwrite_a=1)
            self.AF = q
            t2 = time.perf_counter()
            parts[0] += t1 - t0
            parts[1] += t2 - t1

    def block(self, lib, n):
        parts = [0.0, 0.0]
        (self.numpy_tau if lib == "numpy" else self.scipy_tau)(n, parts)
        return parts


def bench_floor(Ns, methods, threads, repeats, Ttab, log):
    """threads None: all cores for both (lyapunov_spectrum gets threads=cpu_count explicitly,
    because its own default drops to 1 thread for small N); 1: one thread for both."""
    import meanfield as mf
    from threadpoolctl import threadpool_limits
    mf_threads = threads or (os.cpu_count() or 1)
    rows = []
    with threadpool_limits(limits=threads, user_api="blas"):
        for method in methods:     # warm call: loads/compiles the kernels
            run_meanfield(mf.RandomNetwork(20, g=G, seed=NET_SEED), 10, method)
        for N in Ns:
            net = mf.RandomNetwork(N, g=G, seed=NET_SEED)
            J = net.J
            for method in methods:
                T = Ttab[(method, N)]
                fl = Floor(J, GEMMS_PER_TAU[method])
                # pick the cheaper floor library from a short calibration
                ncal = max(2, T // 10)
                cal = {}
                for lib in ("numpy", "scipy"):
                    cal[lib] = min(timed(lambda: fl.block(lib, ncal))[0] for _ in range(2)) / ncal
                lib = min(cal, key=cal.get)
                mf_t, fl_t, fl_parts, loads, res = [], [], [], [], None
                for _ in range(repeats):
                    w, f, r = clean_run(lambda: run_meanfield(net, T, method, threads=mf_threads))
                    mf_t.append((w, f))
                    res = r
                    w2, f2, parts = clean_run(lambda: fl.block(lib, T))
                    fl_t.append((w2, f2))
                    fl_parts.append(parts)
                    loads += [f, f2]
                i_mf = int(np.argmin([w for w, _ in mf_t]))
                i_fl = int(np.argmin([w for w, _ in fl_t]))
                t_mf = mf_t[i_mf][0] / T
                t_fl = fl_t[i_fl][0] / T
                gemm, qr = (p / T for p in fl_parts[i_fl])
                row = dict(N=N, method=method, threads=threads or f"all ({mf_threads})",
                           lib_default=library_default_threads(N, N), T=T, mf=t_mf, floor=t_fl,
                           gemm=gemm, qr=qr, lib=lib, ratio=t_mf / t_fl,
                           mf_all=[w / T for w, _ in mf_t], floor_all=[w / T for w, _ in fl_t],
                           dirty=mf_t[i_mf][1] > FOREIGN_MAX or fl_t[i_fl][1] > FOREIGN_MAX,
                           max_foreign=float(np.nanmax(loads)) if loads else float("nan"),
                           mean_exponent=float(res.exponents.mean()), cal=cal)
                rows.append(row)
                log(f"  N={N:5d} {method:5s} threads={row['threads']}: meanfield {t_mf*1e3:9.2f} ms/τ, "
                    f"floor {t_fl*1e3:9.2f} ms/τ ({lib}), ratio {row['ratio']:.3f}"
                    f"{'  [contended]' if row['dirty'] else ''}")
    return rows


def floor_table(rows):
    out = ["| N | method | BLAS threads | T (τ) | meanfield ms/τ | floor ms/τ | = GEMM + QR ms/τ "
           "| floor lib | ratio | ≤ 1.15 | max foreign load | threads=None picks |",
           "|---:|---|---|---:|---:|---:|---:|---|---:|:---:|---:|---|"]
    for r in rows:
        mark = "*" if r["dirty"] else ""
        ok = "yes" if r["ratio"] <= 1.15 else "no"
        out.append(f"| {r['N']} | {r['method']} | {r['threads']} | {r['T']:g} | {r['mf']*1e3:.2f}{mark} "
                   f"| {r['floor']*1e3:.2f}{mark} | {r['gemm']*1e3:.2f} + {r['qr']*1e3:.2f} | {r['lib']} "
                   f"| **{r['ratio']:.3f}** | {ok} | {r['max_foreign']:.1%} | {r['lib_default']} |")
    return out


# --------------------------------------------------------------------------- part 2: peers

def block_stats(local, n_blocks=10):
    """Mean and block standard error of per-interval local exponents (n_int, k)."""
    local = np.asarray(local)
    lam = local.mean(axis=0)
    blk = np.array([b.mean(axis=0) for b in np.array_split(local, n_blocks)])
    return lam, blk.std(axis=0, ddof=1) / math.sqrt(n_blocks)


def jitcode_paths(N):
    d = OUT / "jitcode"
    d.mkdir(parents=True, exist_ok=True)
    name = f"mfbench_lyap_N{N}_g{G:g}_seed{NET_SEED}"
    return d, name, d / (name + ".json")


def jitcode_compile_child(N):
    """Child-process entry: generate and compile the tangent system, save module + timings."""
    import symengine
    from jitcode import jitcode_lyap, y

    import meanfield as mf
    d, name, meta = jitcode_paths(N)
    J = mf.RandomNetwork(N, g=G, seed=NET_SEED).J
    t0 = time.perf_counter()
    th = [symengine.Symbol(f"th{j}") for j in range(N)]
    helpers = [(th[j], symengine.tanh(y(j))) for j in range(N)]

    def f():
        for i in range(N):
            yield -y(i) + sum(float(J[i, j]) * th[j] for j in range(N) if J[i, j] != 0.0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # "you are about to calculate N exponents"
        ode = jitcode_lyap(f, n=N, n_lyap=N, helpers=helpers, simplify=False, verbose=False)
        ode.generate_f_C()
        t1 = time.perf_counter()
        ode.compile_C(modulename=name)
        t2 = time.perf_counter()
        path = ode.save_compiled(str(d) + os.sep, overwrite=True)
    meta.write_text(json.dumps({"status": "ok", "N": N, "module": str(path), "codegen_s": t1 - t0,
                                "gcc_s": t2 - t1, "total_s": t2 - t0,
                                "date": datetime.datetime.now().isoformat(timespec="seconds")}))


def jitcode_compile(N, limit, log):
    """Compile in a child process with a time limit; cached in benchmarks/out/jitcode/."""
    d, name, meta = jitcode_paths(N)
    if meta.exists():
        info = json.loads(meta.read_text())
        if info["status"] == "ok" and Path(info["module"]).exists():
            info["cached"] = True
            return info
        if info["status"] == "timeout" and info.get("limit_s", 0) >= limit:
            info["cached"] = True
            return info
    log(f"  jitcode: compiling N={N} (limit {limit:.0f} s) ...")
    t0 = time.perf_counter()
    tmp = d / f"tmp_N{N}"                           # jitcode's build directory, removed afterwards
    tmp.mkdir(exist_ok=True)
    p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--_jitcode-compile", str(N)],
                         cwd=str(REPO), start_new_session=True, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=dict(os.environ, TMPDIR=str(tmp)))
    timed_out, outp = False, ""
    try:
        outp, _ = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)           # our own child's session only
        p.communicate()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if timed_out:
        info = {"status": "timeout", "N": N, "limit_s": limit,
                "date": datetime.datetime.now().isoformat(timespec="seconds")}
        meta.write_text(json.dumps(info))
        info["cached"] = False
        return info
    if p.returncode != 0:
        return {"status": "error", "N": N, "message": outp[-2000:], "cached": False}
    info = json.loads(meta.read_text())
    info["wall_s"] = time.perf_counter() - t0
    info["cached"] = False
    return info


def run_jitcode(info, N, T, x0, Q0):
    from jitcode import jitcode, jitcode_lyap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ode = jitcode_lyap(n=N, n_lyap=N, module_location=info["module"], verbose=False)
        ode.set_integrator("dopri5")             # scipy ode defaults: rtol 1e-6, atol 1e-12
    # same x0 and the same orthonormal first basis as meanfield (jitcode_lyap's own
    # set_initial_value would draw non-orthogonal random unit vectors)
    jitcode.set_initial_value(ode, np.concatenate([x0, Q0.T.ravel()]), 0.0)

    def go():
        return np.array([ode.integrate(float(k))[1] for k in range(1, int(T) + 1)])
    return go


def run_lyapynov(J, x0, dt, T):
    import lyapynov
    N = J.shape[0]
    diag = np.diag_indices(N)

    def f(x, t):
        return -x + J @ np.tanh(x)

    def jac(x, t):
        c = np.cosh(x)
        A = J * (1.0 / (c * c))[None, :]
        A[diag] -= 1.0
        return A

    n = int(round(T / dt))

    def go():
        ds = lyapynov.ContinuousDS(x0.copy(), 0.0, f, jac, dt)
        lam, hist = lyapynov.LCE(ds, N, 0, n, True)
        return lam, hist
    return go


def compare(lam, lam_ref, se_ref):
    """Sorted spectra: max|Δ| and max |Δ|/se (se of the reference, sorted with it)."""
    o = np.argsort(-lam_ref)
    a, b, s = np.sort(lam)[::-1], lam_ref[o], se_ref[o]
    d = np.abs(a - b)
    return float(d.max()), float((d / s).max())


def bench_peers(jit_info, Ns_ly, T_of, repeats, quick, log):
    """All tools with one BLAS thread (jitcode's C code is single-threaded anyway)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        return _bench_peers(jit_info, Ns_ly, T_of, repeats, quick, log)


def _bench_peers(jit_info, Ns_ly, T_of, repeats, quick, log):
    import meanfield as mf
    rows, notes = [], []
    run_meanfield(mf.RandomNetwork(20, g=G, seed=NET_SEED), 10, "rk4")
    # jitcode was compiled before anything else was timed (see main)
    Ns_jit, jit_ok = sorted(jit_info), jit_info
    for N in Ns_jit:
        info = jit_info[N]
        if info["status"] == "timeout":
            when = (f" (recorded by an earlier run on {info['date']}; delete "
                    f"benchmarks/out/jitcode/*_N{N}_*.json to retry)") if info.get("cached") else ""
            notes.append(f"jitcode_lyap N={N}: generating + compiling the C code took longer than "
                         f"{info['limit_s']:.0f} s{when}; not run at this N.")
        elif info["status"] != "ok":
            notes.append(f"jitcode_lyap N={N}: compilation failed: {info.get('message', '')[-300:]}")
    for N in sorted(set(Ns_jit) | set(Ns_ly)):
        T = T_of(N)
        net = mf.RandomNetwork(N, g=G, seed=NET_SEED)
        J = net.J
        x0, Q0 = initial_state(N)
        # meanfield, RK4 dt = 0.1 (timed) and dt = 0.025 (its own discretisation reference)
        best = None
        for _ in range(repeats):
            w, fl, r = clean_run(lambda: run_meanfield(net, T, "rk4", DT, x0, threads=1))
            if best is None or w < best[0]:
                best = (w, fl, r)
        t_mf, r_mf = best[0] / T, best[2]
        lam_mf, se_mf = r_mf.exponents, r_mf.stderr
        w_ref, _, r_ref = timed(lambda: run_meanfield(net, T, "rk4", DT / 4, x0, threads=1))
        err_mf = float(np.max(np.abs(np.sort(lam_mf) - np.sort(r_ref.exponents))))
        base = dict(N=N, T=T)
        rows.append(dict(base, tool="meanfield", setting="rk4 dt=0.1", compile=None, t=t_mf,
                         mean1=float(lam_mf.mean() + 1), d=0.0, z=0.0, err=err_mf, ratio=1.0,
                         threads="1", foreign=best[1]))
        rows.append(dict(base, tool="meanfield", setting="rk4 dt=0.025", compile=None, t=w_ref / T,
                         mean1=float(r_ref.exponents.mean() + 1),
                         **dict(zip(("d", "z"), compare(r_ref.exponents, lam_mf, se_mf))),
                         err=None, ratio=(w_ref / T) / t_mf, threads="1", foreign=float("nan")))
        log(f"  N={N}: meanfield rk4 {t_mf*1e3:.2f} ms/τ, mean λ + 1 = {lam_mf.mean()+1:.2e}, "
            f"own dt-error {err_mf:.1e}, median stderr {np.median(se_mf):.1e}")
        # lyapynov: dt ladder for its own convergence
        if N in Ns_ly:
            dts = (0.1, 0.05) if quick else (0.1, 0.05, 0.025)
            res = {}
            for dt in dts:
                w, fl, (lam, hist) = clean_run(run_lyapynov(J, x0, dt, T), extra=1)
                res[dt] = (w / T, lam, hist, fl)
                log(f"  N={N}: lyapynov dt={dt}: {w / T * 1e3:.2f} ms/τ")
            ref = res[dts[-1]][1]
            errs = {dt: float(np.max(np.abs(np.sort(res[dt][1]) - np.sort(ref)))) for dt in dts[:-1]}
            for dt in dts:
                t_ly, lam, hist, fl = res[dt]
                d, z = compare(lam, lam_mf, se_mf)
                rows.append(dict(base, tool="lyapynov", setting=f"RK4 frozen-J, dt={dt:g}", compile=None,
                                 t=t_ly, mean1=float(lam.mean() + 1), d=d, z=z, err=errs.get(dt),
                                 ratio=t_ly / t_mf, threads="1", foreign=fl))
            if len(dts) == 3 and errs[0.05] > 0:
                # Richardson: e(h) = C h^p  =>  (λ(.1)-λ(.025)) / (λ(.05)-λ(.025)) = 2^p + 1
                rr = errs[0.1] / errs[0.05]
                if rr > 1.0:
                    p = math.log2(max(rr - 1.0, 1e-12))
                    if p > 0.2:
                        e01 = errs[0.1] / (1.0 - 4.0 ** (-p))
                        dt_eq = 0.1 * (err_mf / e01) ** (1.0 / p)
                        t_eq = res[0.1][0] * 0.1 / dt_eq
                        notes.append(
                            f"lyapynov N={N}: measured order p = {p:.2f}; its dt=0.1 error ≈ {e01:.1e} vs "
                            f"meanfield's {err_mf:.1e} (RK4 dt=0.1 vs 0.025, an upper bound). "
                            f"Matching it needs dt ≈ {dt_eq:.2g} → ≈ {t_eq*1e3:.0f} ms/τ (extrapolated) = "
                            f"**{t_eq / t_mf:.0f}×** meanfield's time.")
        # jitcode
        if N in Ns_jit and jit_ok[N]["status"] == "ok":
            info = jit_ok[N]
            go = run_jitcode(info, N, T, x0, Q0)
            w, fl, local = clean_run(go, extra=0)
            lam, _ = block_stats(local)
            d, z = compare(lam, lam_mf, se_mf)
            ctime = info["total_s"]
            rows.append(dict(base, tool="jitcode_lyap", setting="dopri5 (rtol 1e-6)",
                             compile=ctime, compile_cached=info.get("cached", False), t=w / T,
                             mean1=float(lam.mean() + 1), d=d, z=z, err=None, ratio=(w / T) / t_mf,
                             threads="1 (C code, no OpenMP)", foreign=fl))
            log(f"  N={N}: jitcode {w / T * 1e3:.2f} ms/τ (compile {ctime:.0f} s)")
    return rows, notes


def peers_table(rows):
    out = ["| N | T (τ) | tool | setting | BLAS threads | compile s | run ms/τ | time vs meanfield "
           "| mean λ + 1 | max abs Δλ vs mf | max abs Δλ / se_mf | own dt-error |",
           "|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        comp = "–" if r["compile"] is None else f"{r['compile']:.0f}"
        err = "–" if r["err"] is None else f"{r['err']:.1e}"
        ratio = "1" if r["tool"] == "meanfield" and r["setting"].endswith("0.1") else f"{r['ratio']:.1f}×"
        out.append(f"| {r['N']} | {r['T']:g} | {r['tool']} | {r['setting']} | {r['threads']} | {comp} "
                   f"| {r['t']*1e3:.2f} | {ratio} | {r['mean1']:.1e} | {r['d']:.1e} | {r['z']:.1f} | {err} |")
    return out


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short runs, 1 repeat, default threads only")
    ap.add_argument("--peers", action="store_true", help="also benchmark jitcode_lyap and lyapynov")
    ap.add_argument("--no-floor", action="store_true", help="skip part 1")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per cell (default 3; quick 1)")
    ap.add_argument("--sizes", default="250,500,1000", help="N values of part 1")
    ap.add_argument("--single-thread", choices=("auto", "yes", "no"), default="auto",
                    help="also run part 1 with BLAS limited to 1 thread (auto: not with --quick)")
    ap.add_argument("--peer-sizes", default=None,
                    help="N values of part 2 (default 100,250 for lyapynov and jitcode)")
    ap.add_argument("--jitcode-sizes", default=None,
                    help="N values for jitcode (default: --peer-sizes, falling back to 50 and 25 if "
                         "compilation exceeds the limit)")
    ap.add_argument("--jitcode-limit", type=float, default=JITCODE_COMPILE_LIMIT,
                    help="seconds allowed for one jitcode compilation (default 600)")
    ap.add_argument("--peer-T", type=float, default=None, help="run length of part 2 (default 100; quick 20)")
    ap.add_argument("--_jitcode-compile", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._jitcode_compile is not None:
        jitcode_compile_child(args._jitcode_compile)
        return

    args.repeats = args.repeats or (1 if args.quick else 3)
    OUT.mkdir(parents=True, exist_ok=True)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    import scipy.linalg  # noqa: F401 -- load both BLAS copies before describing them

    import meanfield as mf
    run_meanfield(mf.RandomNetwork(20, g=G, seed=NET_SEED), 10, "rk4")   # load Numba's BLAS binding
    md = ["# meanfield Lyapunov-spectrum benchmark", ""] + header(args) + [""]
    raw = {"argv": sys.argv[1:]}
    t_start = time.time()

    if not args.no_floor:
        Ns = [int(s) for s in args.sizes.split(",")]
        Ttab = T_QUICK if args.quick else T_FULL
        Ttab = {k: v for k, v in Ttab.items()}
        for N in Ns:
            for m in ("euler", "rk4"):
                Ttab.setdefault((m, N), 20)
        thread_sets = [None]
        if args.single_thread == "yes" or (args.single_thread == "auto" and not args.quick):
            thread_sets.append(1)
        rows = []
        for th in thread_sets:
            log(f"part 1: floor ratio, BLAS threads = {th or 'default'}")
            rows += bench_floor(Ns, ("euler", "rk4"), th, args.repeats, Ttab, log)
        raw["floor"] = rows
        md += ["## 1. Time per τ against the BLAS floor", "",
               f"RandomNetwork(N, g={G:g}, seed={NET_SEED}), tanh, full spectrum, dt = {DT}, "
               f"t_ons = {T_ONS:g}, t_warmup = t_warmup_tangent = 0, seed = {RUN_SEED}.  Floor per τ: "
               f"{GEMMS_PER_TAU['euler']} (Euler) or {GEMMS_PER_TAU['rk4']} (RK4) products J·S "
               "(N×N · N×(N+1), float64, C order) + one QR "
               "(dgeqrf + dorgqr) of an N×N matrix, in the cheaper of numpy's and scipy's OpenBLAS "
               "(scipy's is the one Numba's np.dot / np.linalg.qr call).  meanfield gets the same thread "
               "count explicitly (`threads=`); the last column shows what its default `threads=None` "
               "would pick.  Times are the minimum over "
               f"{args.repeats} interleaved repeat(s) of a whole T-long run; `*` = never ran below the "
               "foreign-load limit.", ""]
        md += floor_table(rows) + [""]

    if args.peers:
        T_peer = args.peer_T or (20.0 if args.quick else 100.0)
        Ns_ly = [int(s) for s in (args.peer_sizes or "100,250").split(",")]
        cands = sorted(int(s) for s in (args.jitcode_sizes.split(",") if args.jitcode_sizes else Ns_ly))
        jit_info = {}
        for N in cands:                 # smallest first; stop at the first size that cannot compile
            jit_info[N] = jitcode_compile(N, args.jitcode_limit, log)
            if jit_info[N]["status"] != "ok":
                break
        if not args.jitcode_sizes and not any(i["status"] == "ok" for i in jit_info.values()):
            for N in (50, 25):          # fall back to a size that compiles within the limit
                jit_info[N] = jitcode_compile(N, args.jitcode_limit, log)
                if jit_info[N]["status"] == "ok":
                    break
        Ns_jit = sorted(jit_info)
        log(f"part 2: peers (lyapynov N={Ns_ly}, jitcode N={Ns_jit}, T={T_peer:g})")
        rows, notes = bench_peers(jit_info, Ns_ly, lambda N: T_peer, args.repeats, args.quick, log)
        raw["peers"] = rows
        raw["peer_notes"] = notes
        md += ["## 2. Peers", "",
               f"Same J, tanh, dh/dt = -h + J tanh(h), same x0 (meanfield's, seed {RUN_SEED}), "
               f"T = {T_peer:g} τ, no warm-up, exponents sorted before comparing.  "
               "meanfield: RK4, t_ons = 1.  jitcode_lyap: "
               "the tangent ODE generated symbolically and compiled to C (default flags -O3 -ffast-math), "
               "scipy `dopri5` with default tolerances, one QR per τ, started from meanfield's own "
               "orthonormal basis.  lyapynov: `ContinuousDS` + `LCE` as shipped (RK4 state step, tangent "
               "advanced with the Jacobian frozen at the step start, QR every step, "
               "first basis = identity).  "
               "*own dt-error*: max |λ(dt) − λ(finest dt)| of the same tool from the same start.  "
               "*mean λ + 1*: the exact identity Σλ = tr A = −N (J_ii = 0).  "
               "All tools run with one BLAS thread (jitcode's C code is single-threaded; meanfield's "
               "own default at these N is 1 thread too).  "
               "*time vs meanfield* > 1 means meanfield is faster.", ""]
        md += peers_table(rows) + [""]
        if notes:
            md += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]

    md += [f"_Total benchmark wall time {time.time() - t_start:.0f} s; load average at end "
           f"{os.getloadavg()[0]:.2f}._", ""]
    text = "\n".join(md)
    print(text)
    (OUT / "lyapunov.md").write_text(text)
    (OUT / "lyapunov.json").write_text(json.dumps(raw, indent=1, default=str))
    log(f"wrote {OUT / 'lyapunov.md'} and {OUT / 'lyapunov.json'}")


if __name__ == "__main__":
    main()
