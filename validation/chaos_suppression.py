"""Chaos suppression by common vs independent input at the EIKGA parameters: a shim.

The study now lives in the validation suite (``meanfield/validate/suppression.py``): cases
``suppression-lambda`` (λ_max(I1) at N = 5000), ``suppression-size`` (I1_c against N),
``suppression-frequency-g`` (I1_c against f and g) and ``suppression-gap`` (the decomposition of
the theory-simulation gap).  This script runs them:

    python validation/chaos_suppression.py [--out DIR] [--executor process --workers 2] [...]

which is ``meanfield validate --full --cases suppression-gap,suppression-lambda,suppression-size,
suppression-frequency-g --out validation/out/chaos_suppression`` plus any further arguments.
Results and run time: ``validation/README.md``.
"""
import sys

from meanfield.cli import main

CASES = "suppression-gap,suppression-lambda,suppression-size,suppression-frequency-g"

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--out" not in args:
        args += ["--out", "validation/out/chaos_suppression"]
    sys.exit(main(["validate", "--full", "--cases", CASES] + args))
