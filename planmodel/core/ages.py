"""Age axis and the KOSTRA/TBU age groups used throughout planmodel."""

from __future__ import annotations

import numpy as np
import xarray as xr

MAX_AGE = 105  #: oldest single age; 105 means "105 years or older" (open group), as in SSB 07459
AGES = np.arange(MAX_AGE + 1)
SEXES = ("male", "female")
SEX_LABELS_NB = {"male": "Menn", "female": "Kvinner"}

#: KOSTRA age groups (as in SSB projection tables 14288/14746): label -> (first age, last age)
KOSTRA_GROUPS: dict[str, tuple[int, int]] = {
    "0": (0, 0),
    "1-5": (1, 5),
    "6-12": (6, 12),
    "13-15": (13, 15),
    "16-19": (16, 19),
    "20-44": (20, 44),
    "45-66": (45, 66),
    "67-79": (67, 79),
    "80-89": (80, 89),
    "90+": (90, MAX_AGE),
}


def kostra_group_of_age() -> xr.DataArray:
    """Label of the KOSTRA group for each single age, as a DataArray over ``age``."""
    labels = np.empty(AGES.size, dtype=object)
    for label, (lo, hi) in KOSTRA_GROUPS.items():
        labels[lo : hi + 1] = label
    return xr.DataArray(labels.astype(str), coords={"age": AGES}, dims="age", name="age_group")


def to_kostra_groups(da: xr.DataArray) -> xr.DataArray:
    """Sum a DataArray with an ``age`` dimension into KOSTRA groups (dimension ``age_group``).

    Other dimensions (``year``, ``sex``, ``draw`` ...) are kept; attrs are kept.
    """
    groups = kostra_group_of_age().sel(age=da["age"])
    out = da.groupby(groups).sum("age")
    out = out.reindex(age_group=list(KOSTRA_GROUPS))
    out.attrs = dict(da.attrs)
    return out


def age_slice_sum(da: xr.DataArray, lo: int, hi: int = MAX_AGE) -> xr.DataArray:
    """Persons aged ``lo``..``hi`` (inclusive), summed over age."""
    return da.sel(age=slice(lo, hi)).sum("age")
