"""Result records: dataclasses with provenance, ``to_dict``, ``save`` and ``load``.

One result family.  Every answer -- theory or simulation -- is a dataclass deriving from
:class:`Result` with the same core:

``lambda_max``, ``lambda_max_error``
    the value and its error under one name everywhere (arrays for curves and grids; arrays of
    exponents carry ``stderr``);
``method``
    the algorithm that produced it (one meaning of ``method`` across the API: the path or
    algorithm that answers the question, e.g. ``"stationary"``, ``"independent"``,
    ``"nonstationary"``, ``"qr"``, ``"two-trajectory"``, ``"dmft"``, ``"simulation"``);
``model``
    the model that was asked about (its ``to_dict()``), or None for plain-parameter calls;
``settings``
    the solver settings used;
``diagnostics``
    ``converged``, ``iterations``, ``n_evaluations``, ``fallbacks`` (see :func:`diagnostics`)
    plus method-specific entries;
``versions``
    :func:`provenance`.

Files are ``.npz`` archives: every array field as an array, every other
field JSON-encoded in ``__meta__``.  Writes are atomic (temporary file, then
``os.replace``).  Fields renamed since a file was written are mapped by the class's
``_renamed`` table on :meth:`Result.load`.
"""
import dataclasses
import datetime
import json
import os
import platform
import tempfile
import warnings

import numpy as np


def provenance():
    """Versions and host facts recorded with every result."""
    import numba
    import scipy

    from ._version import __version__
    return {
        "meanfield": __version__, "numpy": np.__version__, "scipy": scipy.__version__,
        "numba": numba.__version__, "python": platform.python_version(),
        "machine": platform.machine(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return repr(x)
    return x


def atomic_savez(path, **arrays):
    """Write an .npz atomically."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def diagnostics(converged=True, iterations=None, n_evaluations=None, fallbacks=0, **extra):
    """The standard diagnostics record of every result.

    Parameters
    ----------
    converged : bool
        The solver met its tolerance (False results are only returned where a caller asked
        for best effort; solvers raise :class:`~meanfield.errors.ConvergenceError` otherwise).
    iterations : int or None
        Outer iterations (Newton steps, root-finding steps, Richardson levels, ...); None where
        the method has none or does not count them.
    n_evaluations : int or None
        Function evaluations (kernel cells, λ evaluations, time steps, ...) -- the work counter;
        None where not counted.
    fallbacks : int
        Times a fast path gave way to a slower, safer one (quadrature fallbacks, restarts from
        another initial guess, continuation steps halved).
    extra
        Method-specific entries.
    """
    out = {"converged": bool(converged), "iterations": None if iterations is None else int(iterations),
           "n_evaluations": None if n_evaluations is None else int(n_evaluations),
           "fallbacks": int(fallbacks)}
    out.update(extra)
    return out


def standard_diagnostics(diag, **defaults):
    """``diag`` with the four standard keys present (values in ``diag`` win over ``defaults``)."""
    out = diagnostics(**{k: defaults.get(k, v) for k, v in
                         (("converged", True), ("iterations", None), ("n_evaluations", None),
                          ("fallbacks", 0))})
    out.update(diag or {})
    return out


def deprecated_alias(new, old):
    """A read-only property ``old`` that warns and returns ``self.<new>`` (kept one release)."""
    def get(self):
        warnings.warn(f"{type(self).__name__}.{old} is deprecated; use .{new}", DeprecationWarning,
                      stacklevel=2)
        return getattr(self, new)
    return property(get, doc=f"Deprecated alias of ``{new}``.")


class Result:
    """Mixin for result dataclasses (see the module docstring for the common core)."""

    _renamed = {}      # old field name -> new field name, applied by load()

    def to_dict(self):
        """Plain dict of all fields (arrays stay numpy arrays)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def save(self, path):
        """Save to ``path`` (.npz), atomically."""
        arrays, meta = {}, {}
        for k, v in self.to_dict().items():
            if isinstance(v, np.ndarray):
                arrays[k] = v
            else:
                meta[k] = _jsonable(v)
        arrays["__meta__"] = np.array(json.dumps(meta))
        arrays["__type__"] = np.array(type(self).__name__)
        atomic_savez(path, **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Load a result written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            if str(z["__type__"]) != cls.__name__:
                raise ValueError(f"{path} holds a {z['__type__']}, not a {cls.__name__}")
            meta = json.loads(str(z["__meta__"]))
            kw = {k: z[k] for k in z.files if not k.startswith("__")}
        for k, v in meta.items():
            if isinstance(v, str) and v in ("nan", "inf", "-inf"):
                v = float(v)
            kw[k] = v
        for old, new in cls._renamed.items():
            if old in kw and new not in kw:
                kw[new] = kw.pop(old)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})
