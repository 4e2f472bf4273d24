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
    """Default BLAS threads for products J (N x N) @ (N x n_columns).

    Measured on 2 cores (full spectra, Euler): a second thread gains ~10 % at
    N = 200, nothing at N = 500 and ~17 % at N = 1000, while any competing
    process makes spinning BLAS threads many times slower.  So: 1 thread below
    N^2 n_columns = 2e8, the configured number above.
    """
    work = N * N * max(n_columns, 1)
    return 1 if work < 200_000_000 else None
