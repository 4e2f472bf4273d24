"""Input checks shared by the public API: clear errors naming the parameter."""
import math
import numbers

import numpy as np


def check_int(name, value, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in [low, high] (open ends when asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    lo_br = "(" if low_open else "["
    hi_br = ")" if high_open else "]"
    rng = f"{lo_br}{low if low is not None else '-inf'}, {high if high is not None else 'inf'}{hi_br}"
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be in {rng}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be in {rng}, got {value}")
    return value


def check_choice(name, value, choices):
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_seed(name, seed):
    """None, a non-negative int or a numpy SeedSequence -> SeedSequence."""
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be None or a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def check_vector(name, x, n):
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return np.ascontiguousarray(x)
