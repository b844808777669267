"""Leading dimensions (draw, kommune, scenario options ...) flattened to one axis for numpy.

The service, cost and budget calculations run on plain numpy arrays for speed. Every extra
dimension that an input carries (a ``draw`` dimension for Monte Carlo, ``threshold_option`` and
``breadth_option`` for the crisis 2×2, ``kommune`` ...) is broadcast against the others and
flattened into one trailing axis of length N; results are unflattened at the end. Inputs
without a leading dimension simply have N = 1 and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class Lead:
    """The broadcast leading dimensions: names, coordinates, sizes and N = their product."""

    dims: tuple[str, ...]
    coords: dict
    shape: tuple[int, ...]

    @property
    def n(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @classmethod
    def of(cls, *arrays, core: set[str]) -> "Lead":
        """Leading dimensions of the DataArrays among ``arrays`` (dims not in ``core``)."""
        dims: list[str] = []
        coords: dict = {}
        for a in arrays:
            if isinstance(a, xr.DataArray):
                for d in a.dims:
                    if d in core:
                        continue
                    if d in coords:
                        if not np.array_equal(coords[d], a[d].values):
                            raise ValueError(f"dimension {d!r} has different coordinates in two inputs")
                        continue
                    dims.append(d)
                    coords[d] = a[d].values
        return cls(tuple(dims), coords, tuple(len(coords[d]) for d in dims))

    def flat(self, a, core: tuple[str, ...] = ()) -> np.ndarray:
        """numpy array shaped (*core, N): core dims in the given order, lead dims flattened.

        Scalars and arrays without lead dims get N = 1 (they broadcast)."""
        if not isinstance(a, xr.DataArray):
            return np.asarray(a, dtype=float).reshape((1,) * len(core) + (1,))
        extra = [d for d in a.dims if d not in core and d not in self.dims]
        if extra:
            raise ValueError(f"unexpected dimensions {extra}")
        present = [d for d in self.dims if d in a.dims]
        full = a.transpose(*core, *present)
        vals = np.asarray(full.values, dtype=float)
        ncore = len(core)
        vals = vals.reshape(vals.shape[:ncore] + tuple(full.sizes[d] if d in present else 1 for d in self.dims))
        vals = np.broadcast_to(vals, vals.shape[:ncore] + self.shape)
        return vals.reshape(vals.shape[:ncore] + (self.n,))

    def unflat(self, values: np.ndarray, core_dims: tuple[str, ...], core_coords: dict, **attrs) -> xr.DataArray:
        """DataArray (core..., lead...) from an array shaped (*core, N) (or N = 1)."""
        if values.shape[-1] == 1 and self.n > 1:
            values = np.broadcast_to(values, values.shape[:-1] + (self.n,))
        vals = values.reshape(values.shape[:-1] + (self.shape if self.shape else ()))
        if not self.shape:
            vals = values[..., 0]
        coords = {**{d: core_coords[d] for d in core_dims if d in core_coords}, **self.coords}
        return xr.DataArray(vals, dims=core_dims + self.dims, coords=coords, attrs=attrs)
