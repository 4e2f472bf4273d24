"""Result records: dataclasses with provenance, ``to_dict``, ``save`` and ``load``.

Files are ``.npz`` archives: every array field as an array, every other
field JSON-encoded in ``__meta__``.  Writes are atomic (temporary file, then
``os.replace``).
"""
import dataclasses
import datetime
import json
import os
import platform
import tempfile

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


class Result:
    """Mixin for result dataclasses."""

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
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})
