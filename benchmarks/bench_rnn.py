#!/usr/bin/env python
"""Benchmark the adjoints of ``meanfield.rnn``: the cost of ``rnn.flossing_loss`` (forward QR run +
reverse sweep) as a multiple of the forward QR run alone (``lyapunov_spectrum`` with the same k,
T, t_ons), and the cost of ``rnn.sbptt_loss`` (forced forward runs + adjoint, one Adam batch) as a
multiple of its forced forward runs alone.

Run from the repository root::

    python benchmarks/bench_rnn.py            # N = 64, 128, 256; k = 1, 8, 32; T = 200; 1 BLAS thread
    python benchmarks/bench_rnn.py --quick    # N = 64, k = 8, T = 100

Columns: ``lyapunov_spectrum`` (the public QR run, with its result bookkeeping), the forward sweep
of ``flossing_loss`` alone (the same kernel work, storing states, tangents and R factors), and the
whole ``flossing_loss`` (forward + reverse sweep); the ratio is whole / forward sweep.  All run one
BLAS thread on the same ``RNN`` (discrete-time tanh, g = 3), the same seed,
warm-up 20 steps, QR every step; compilation is excluded (one warm call); the minimum of
``--repeats`` calls is kept, with the machine's busy fraction (other processes count too).
Sparse BPTT: ``PLRNN.random(N, M=3)`` with a Gaussian B on standardised Lorenz-63, a batch of 16
segments of 300 steps (the validation case's), whole-state forcing at τ = 1, 20, 77.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import timed  # noqa: E402

import meanfield as mf  # noqa: E402
from meanfield import rnn  # noqa: E402
from meanfield.lyapunov import _initial_basis  # noqa: E402
from meanfield.rnn import _kernels as K  # noqa: E402


def forward_only(m, k, T, n_warm, seed):
    """The forward sweep of flossing_loss alone (kernel, storing the trajectory for the adjoint)."""
    N = m.N
    ss_x0, ss_basis, _ = np.random.SeedSequence(seed).spawn(3)
    h0, Q0 = m._draw_x0(ss_x0), _initial_basis(ss_basis, N, k)
    U = m._drive(0, n_warm + T)
    Hs, Qs = np.empty((n_warm + T + 1, N)), np.empty((T, N, k))
    Qp, Rs, logr = np.empty((T, N, k)), np.empty((T, k, k)), np.empty((T, k))
    K._floss_forward(m.nonlinearity.code, m._W, m._b, m._a, U, h0, Q0, n_warm, T, 1, Hs, Qs, Qp, Rs, logr)
    return logr.sum(axis=0) / T


def sbptt_forward_only(m, segs, tau):
    """The forced forward runs of sbptt_loss alone (kernel, storing what the adjoint needs)."""
    from meanfield.rnn.sbptt import _forcing_maps
    Bp, Keep = _forcing_maps(m.B, "full")
    Bm, U = np.ascontiguousarray(m.B), np.ascontiguousarray(m.h[None, :])
    loss = 0.0
    for x in segs:
        L = x.shape[0] - 1
        Zs, Zp, terms = np.empty((L + 1, m.N)), np.empty((L, m.N)), np.empty(L)
        K._sf_forward(m.nonlinearity.code, m._W, m._b, m._a, U, Bp @ x[0], x, Keep, Bp, Bm, tau, Zs, Zp,
                      terms)
        loss += terms.sum()
    return loss / (sum(x.shape[0] - 1 for x in segs) * m.B.shape[0])


def sbptt_rows(sizes, taus, repeats):
    x = rnn.lorenz63(5000, seed=1)
    x = (x - x.mean(0)) / x.std(0)
    starts = np.random.default_rng(0).integers(0, 4000, 16)
    segs = [np.ascontiguousarray(x[s:s + 301]) for s in starts]
    rows = []
    for N in sizes:
        rng = np.random.default_rng(2)
        m = rnn.PLRNN.random(N, M=3, seed=2, w_scale=0.1)
        m = m.replace(A=rng.uniform(0.9, 0.99, N), B=rng.standard_normal((3, N)) / np.sqrt(N))
        for tau in taus:
            fwd, lf, b1 = timed(lambda: sbptt_forward_only(m, segs, tau), repeats)
            whole, out, b2 = timed(lambda: rnn.sbptt_loss(m, segs, tau), repeats)
            assert abs(out[0] - lf) <= 1e-12 * abs(lf)
            rows.append((N, tau, fwd.min(), whole.min(), whole.min() / fwd.min(), max(b1, b2)))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sizes, ks, T = ([64], [8], 100) if args.quick else ([64, 128, 256], [1, 8, 32], 200)
    rows = []
    with mf.blas_threads(1):
        for N in sizes:
            net = mf.RandomNetwork(N, 3.0, time="discrete", seed=1)
            m = rnn.RNN(net.J)
            for k in ks:
                fwd, r, busy1 = timed(lambda: mf.lyapunov_spectrum(m, k, t_sim=T, t_warmup=20,
                                                                   t_warmup_tangent=0,
                                                                   seed=2, progress=False, threads=1),
                                      args.repeats)
                adj, out, busy2 = timed(lambda: rnn.flossing_loss(m, k=k, T=T, t_warmup=20, seed=2,
                                                                  return_exponents=True), args.repeats)
                kern, lam, busy3 = timed(lambda: forward_only(m, k, T, 20, 2), args.repeats)
                assert np.allclose(out[2], r.exponents, rtol=1e-12) and np.allclose(lam, out[2], rtol=1e-12)
                rows.append((N, k, T, fwd.min(), kern.min(), adj.min(), adj.min() / kern.min(),
                             max(busy1, busy2, busy3)))
    print("| N | k | T | lyapunov_spectrum (ms) | forward sweep alone (ms) | loss + exact gradient (ms) "
          "| (loss + gradient) / forward | machine busy |")
    print("|---|---|---|---|---|---|---|---|")
    for N, k, T_, f, kf, a, ratio, busy in rows:
        print(f"| {N} | {k} | {T_} | {f:.2f} | {kf:.2f} | {a:.2f} | {ratio:.2f} | {busy:.0%} |")
    with mf.blas_threads(1):
        srows = sbptt_rows([30] if args.quick else [30, 100], [1, 20, 77], args.repeats)
    print("\n| N | τ | forced forward runs (ms) | loss + exact gradient (ms) | (loss + gradient) / forward "
          "| machine busy |")
    print("|---|---|---|---|---|---|")
    for N, tau, f, a, ratio, busy in srows:
        print(f"| {N} | {tau} | {f:.2f} | {a:.2f} | {ratio:.2f} | {busy:.0%} |")


if __name__ == "__main__":
    main()
