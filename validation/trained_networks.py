#!/usr/bin/env python
"""Measurements behind the README's numbers for meanfield.rnn (issue 12).

    python validation/trained_networks.py floss     # floss seeds 0-5 of the g = 3 network (~1 min CPU)
    python validation/trained_networks.py sbptt     # sparse BPTT on Lorenz-63 (~1 min CPU per tau)

floss: RNN from RandomNetwork(60, g=3, time="discrete", seed=1) (λ_1 = 0.263 per step), flossed with
k = 1, T = 40, t_warmup = 5, t_warmup_tangent = 10, batch 8, Adam lr 0.02 on W for 200 steps; the
asymptotic λ_1 after flossing from lyapunov_spectrum(t_sim=1000, t_warmup=200, seed=5).

sbptt: Lorenz-63 (dt = 0.01, 5 % observation noise, standardised), 10 000 training and 10 000 test
samples; PLRNN.random(20, M=3, seed=2, w_scale=0.5); train_sparse_bptt(steps=3000, seq_len=200,
batch=16, lr=3e-3, max_grad_norm=10, seed=3); reconstruction_measures against the test half with
λ_data = 0.9056 × 0.01 per step.
"""
import argparse
import time

import numpy as np

import meanfield as mf
from meanfield import rnn


def run_floss(seeds):
    m = rnn.RNN(mf.RandomNetwork(60, 3.0, time="discrete", seed=1).J)
    before = mf.lyapunov_spectrum(m, 1, t_sim=1000, t_warmup=200, seed=5, progress=False)
    print(f"before: lambda_1 = {before.lambda_max:.4f} +- {before.lambda_max_error:.4f}")
    for s in seeds:
        t = time.process_time()
        fl = rnn.floss(m, k=1, steps=200, lr=0.02, T=40, t_warmup=5, t_warmup_tangent=10, batch=8,
                       params=("W",), seed=s, progress=False)
        r = mf.lyapunov_spectrum(fl.model, 1, t_sim=1000, t_warmup=200, seed=5, progress=False)
        print(f"floss seed {s}: lambda_1 after 200 steps = {r.lambda_max:+.4f} +- {r.lambda_max_error:.4f} "
              f"({time.process_time() - t:.1f} s CPU)")


def run_sbptt(taus, steps):
    x = rnn.lorenz63(20000, dt=0.01, noise=0.05, seed=1)
    x = (x - x.mean(0)) / x.std(0)
    lam_data = 0.9056 * 0.01
    print(f"tau_pred = {rnn.predictability_time(lam_data).steps:.1f} steps")
    for tau in taus:
        t = time.process_time()
        tr = rnn.train_sparse_bptt(rnn.PLRNN.random(20, M=3, seed=2, w_scale=0.5), x[:10000], tau,
                                   steps=steps, seq_len=200, batch=16, lr=3e-3, max_grad_norm=10.0, seed=3,
                                   progress=False)
        try:
            rc = rnn.reconstruction_measures(tr.model, x[10000:], lambda_data=lam_data, seed=1, n_bins=10)
            print(f"tau {tau:4d}: loss {np.mean(tr.loss_history[-100:]):.4f}  "
                  f"lambda_max {rc.lambda_max:+.5f} "
                  f"(rel. error {rc.lambda_relative_error:.2f})  D_stsp {rc.state_space_divergence:.3f}  "
                  f"D_H {rc.power_spectrum_distance:.3f}  ({time.process_time() - t:.1f} s CPU)")
        except mf.MeanfieldError as e:
            print(f"tau {tau:4d}: free run diverges ({e})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["floss", "sbptt"])
    ap.add_argument("--seeds", default="0,1,2,3,4,5")
    ap.add_argument("--taus", default="1,5,20,77,200")
    ap.add_argument("--steps", type=int, default=3000)
    a = ap.parse_args(argv)
    if a.what == "floss":
        run_floss([int(v) for v in a.seeds.split(",")])
    else:
        run_sbptt([int(v) for v in a.taus.split(",")], a.steps)


if __name__ == "__main__":
    main()
