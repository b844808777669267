"""A small bounded cache for computed inputs and model parts, keyed on resolved values.

planmodel computes some things once per process and hands them to many callers: a kommune's
projected population, a calibration, a parsed catalogue. :func:`memo` keeps the last
``maxsize`` results of a function, keyed on what the caller says identifies the inputs (a
kommune *code*, not the name as typed; a file path *and* its modification time), and makes
array results read-only so that no caller can change what another caller receives.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


def freeze(obj: Any) -> Any:
    """Make numpy arrays (also inside xarray objects, tuples, lists, mappings and dataclass
    fields) read-only, in place; returns ``obj``."""
    if isinstance(obj, np.ndarray):
        obj.setflags(write=False)
    elif hasattr(obj, "data_vars") and hasattr(obj, "coords"):  # xarray.Dataset
        for v in obj.variables.values():
            freeze(v.values)
    elif hasattr(obj, "variable") and hasattr(obj, "coords"):  # xarray.DataArray
        freeze(obj.variable.values)
        for c in obj.coords.values():
            freeze(c.variable.values)
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            freeze(x)
    elif isinstance(obj, Mapping):
        for x in obj.values():
            freeze(x)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            freeze(getattr(obj, f.name))
    return obj


def file_key(path: str | Path) -> tuple[str, int | None]:
    """A cache key for a file: its resolved path and modification time (None if missing)."""
    try:
        p = Path(path).resolve()
        return str(p), p.stat().st_mtime_ns
    except (OSError, ValueError):  # missing, unreadable, or a NUL byte in the name
        return str(path), None


def memo(maxsize: int = 32, key: Callable[..., Hashable] | None = None, readonly: bool = True):
    """Decorator: keep the last ``maxsize`` results (least recently used dropped first).

    ``key(*args, **kw)`` gives the cache key (default: the arguments themselves); results are
    frozen with :func:`freeze` when ``readonly``. The wrapped function has ``cache_clear()``
    and ``cache_len()``.
    """
    def deco(fn):
        cache: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args, **kw):
            k = key(*args, **kw) if key is not None else (args, tuple(sorted(kw.items())))
            with lock:
                if k in cache:
                    cache.move_to_end(k)
                    return cache[k]
            value = fn(*args, **kw)
            if readonly:
                freeze(value)
            with lock:
                cache[k] = value
                cache.move_to_end(k)
                while len(cache) > maxsize:
                    cache.popitem(last=False)
            return value

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        wrapper.cache_len = lambda: len(cache)  # type: ignore[attr-defined]
        return wrapper
    return deco
