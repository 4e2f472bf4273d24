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
import glob
import json
import os
import platform
import tempfile
import warnings
import zipfile

import numpy as np

from .errors import NotAResultFileError


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


def _temporary_prefix(path):
    return os.path.basename(path) + "."


def atomic_savez(path, **arrays):
    """Write an .npz atomically (a temporary ``<name>.<random>.tmp.npz`` beside it, then os.replace)."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=_temporary_prefix(path), suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def remove_stale_temporaries(path):
    """Delete the temporaries ``<name>.<random>.tmp.npz`` that a killed :func:`atomic_savez` of
    ``path`` left behind (called when a run that writes ``path`` starts).  Returns their number."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    pattern = os.path.join(glob.escape(d), glob.escape(_temporary_prefix(path)) + "*.tmp.npz")
    n = 0
    for tmp in glob.glob(pattern):
        try:
            os.remove(tmp)
            n += 1
        except OSError:
            pass
    return n


def read_npz(path, what="meanfield result"):
    """The arrays of a meanfield ``.npz`` file as a dict, never unpickling anything.

    Raises
    ------
    NotAResultFileError
        The file is not an ``.npz`` archive (random bytes, a ``.npy`` under an ``.npz`` name), or
        holds object arrays (which meanfield never writes; refused, for safety).
    FileNotFoundError
        No such file.
    """
    path = os.fspath(path)
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise NotAResultFileError(f"{path} is not a {what} file: not a readable .npz archive "
                                  f"({type(exc).__name__})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise NotAResultFileError(f"{path} is not a {what} file: it holds a single array (.npy), not an "
                                  ".npz archive")
    try:
        with z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise NotAResultFileError(f"{path} is not a {what} file: an entry is unreadable or holds Python "
                                  f"objects, which meanfield never writes ({type(exc).__name__}); not loaded"
                                  ) from None


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
        """Load a result written by :meth:`save`.

        Raises
        ------
        NotAResultFileError
            ``path`` is not a meanfield result file (junk, a foreign archive, missing fields or
            broken metadata), or holds another result class.
        """
        z = read_npz(path)
        if "__type__" not in z or "__meta__" not in z:
            raise NotAResultFileError(f"{path} is not a meanfield result file: it has no __type__/__meta__ "
                                      f"entries (a foreign .npz archive?); entries: {sorted(z)[:8]}")
        try:
            typ = str(z["__type__"])
            meta = json.loads(str(z["__meta__"]))
            if not isinstance(meta, dict):
                raise ValueError("metadata is not a JSON object")
        except ValueError as exc:
            raise NotAResultFileError(f"{path} is not a meanfield result file: broken metadata "
                                      f"({exc})") from None
        if typ != cls.__name__:
            raise NotAResultFileError(f"{path} holds a {typ}, not a {cls.__name__}; load it with {typ}.load")
        kw = {k: v for k, v in z.items() if not k.startswith("__")}
        for k, v in meta.items():
            if isinstance(v, str) and v in ("nan", "inf", "-inf"):
                v = float(v)
            kw[k] = v
        for old, new in cls._renamed.items():
            if old in kw and new not in kw:
                kw[new] = kw.pop(old)
        fields = dataclasses.fields(cls)
        names = {f.name for f in fields}
        missing = sorted(f.name for f in fields if f.name not in kw and f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING)
        if missing:
            raise NotAResultFileError(f"{path} is not a complete {cls.__name__} file: missing {missing}")
        try:
            return cls(**{k: v for k, v in kw.items() if k in names})
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise NotAResultFileError(f"{path} is not a valid {cls.__name__} file: {type(exc).__name__}: "
                                      f"{exc}") from None
