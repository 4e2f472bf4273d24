"""Theory-vs-simulation validation report for meanfield (the README's main job).

Run:  python validation/report.py [--full] [--cases ...] [--out validation/out]

The same program as ``meanfield validate``: the cases are declared in
:mod:`meanfield.validate.cases`; the report lands in ``--out`` as ``report.md``,
``report.html`` (figures embedded) and ``report.json``; finished points are cached in
``--out/cache`` so a re-run resumes; the exit status is non-zero if a check fails.
"""
import os
import sys

from meanfield.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not any(a == "--out" or a.startswith("--out=") for a in args):
        args += ["--out", os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")]
    if "--size" in args:          # the old spelling: --size small|full
        i = args.index("--size")
        size = args[i + 1]
        del args[i:i + 2]
        args.append("--full" if size == "full" else "--quick")
    sys.exit(main(["validate"] + args))
