#!/usr/bin/env python
"""Measurements behind the numbers for meanfield.rnn (issue 12), printed as tables.

    python validation/trained_networks.py floss         # rnn-floss: seeds 0-5 of the g = 3 network (~20 s)
    python validation/trained_networks.py task          # rnn-long-delay, delay 30 (quick sizes, ~40 s CPU)
    python validation/trained_networks.py task --full   # delay 50, 1000 training steps (~2 min CPU)
    python validation/trained_networks.py sbptt         # rnn-sbptt-tau: PLRNN on Lorenz-63 at several tau

The same point functions and settings as the validation cases in meanfield/validate/trained.py
(``meanfield validate --cases rnn-floss,rnn-long-delay,rnn-sbptt-tau`` renders the figures);
this script prints every seed's numbers.
"""
import argparse
import time

from meanfield.validate import trained as T


def run_floss(p):
    print(f"floss: N = {p['N']}, g = {p['g']}, lr = {p['lr']}, T = {p['T']}, batch = {p['batch']}, "
          f"{p['steps']} steps")
    for s in p["seeds"]:
        t = time.process_time()
        r = T.pt_floss(**{k: p[k] for k in T._floss_plan(p)[0]["args"] if k != "seed"}, seed=s)
        print(f"seed {s}: lambda_1 {r['lambda_before']:+.4f} -> {r['lambda_after']:+.4f} "
              f"+- {r['lambda_after_error']:.4f}; first step with |lambda_1| + 3 SE < {p['band']}: "
              f"{r['first_in_band']}  ({time.process_time() - t:.1f} s CPU)", flush=True)


def run_task(p):
    print(f"delayed recall, delay {p['delay']}: train {p['train']}, floss {p['floss']}")
    print("seed | lambda_1 flossed / plain | test accuracy flossed | test accuracy plain | CPU")
    for s in p["seeds"]:
        t = time.process_time()
        r = T.pt_long_delay(**{k: p[k] for k in T._delay_plan(p)[0]["args"] if k != "seed"}, seed=s)
        f, u = r["flossed"], r["plain"]
        print(f"{s} | {f['lambda_initial']:+.4f} / {u['lambda_initial']:+.4f} | {f['accuracy']:.3f} +- "
              f"{f['accuracy_error']:.3f} | {u['accuracy']:.3f} +- {u['accuracy_error']:.3f} | "
              f"{time.process_time() - t:.1f} s", flush=True)


def run_sbptt(p):
    print(f"sparse BPTT on Lorenz-63: {p}")
    for spec in (q for q in T._sbptt_plan(p) if q["fn"] == "sbptt_floor"):    # the case's floor points
        d, f = spec["args"]["data"], T.pt_sbptt_floor(**spec["args"])
        print(f"{d['noise']:.0%} noise: D_stsp(test | training third) {f['d_train']:.3f}, noise-free flow "
              f"against the thirds {[round(v, 3) for v in f['d_flow']]}; the flow's own loss at tau "
              f"{p['taus']}: {[float(f'{v:.3g}') for v in f['loss']]}", flush=True)
    for se, s in T._sbptt_runs(p):
        for tau in p["taus"]:
            t = time.process_time()
            r = T.pt_sbptt(tau, s, se.get("data", p["data"]), se["model"], se["train"], p["measure"])
            head = f"{se['name']}, seed {s} tau {tau:4d}: loss {r['loss']:.4f}"
            if r["diverged"]:
                print(f"{head}, free run diverges", flush=True)
                continue
            print(f"{head}  lambda_max {r['lambda_max']:+.5f} +- "
                  f"{r['lambda_max_error']:.5f} (rel. error {r['relative_error']:.2f})  "
                  f"D_stsp {r['d_stsp']:.3f}  "
                  f"D_H {r['d_h']:.3f}  ({time.process_time() - t:.1f} s CPU)", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["floss", "task", "sbptt"])
    ap.add_argument("--full", action="store_true", help="the full sizes of the validation case")
    a = ap.parse_args(argv)
    if a.what == "floss":
        run_floss(T._FLOSS)
    elif a.what == "task":
        run_task(T._DELAY_FULL if a.full else T._DELAY)
    else:
        run_sbptt(T._SBPTT_FULL if a.full else T._SBPTT)


if __name__ == "__main__":
    main()
