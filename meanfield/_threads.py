"""BLAS thread control (threadpoolctl covers numpy's and scipy's BLAS, which Numba calls)."""
import contextlib
import os

from ._validation import check_int


@contextlib.contextmanager
def blas_threads(n):
    """Limit BLAS threads to ``n`` inside the block (None: leave as is).

    Oversubscription (BLAS threads x processes > cores) costs 2-60x on small
    products, so sweeps running one process per core should pass 1.
    """
    if n is None:
        yield
        return
    n = check_int("threads", n, 1, os.cpu_count() or 1024)
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=n, user_api="blas"):
        yield


def default_threads(n_columns, N):
    """A sensible default: 1 thread for small products, all cores otherwise."""
    work = N * N * max(n_columns, 1)
    return 1 if work < 2_000_000 else None
