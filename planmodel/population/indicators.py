"""Demographic indicators per year: aldersbæreevne, the older population, family-care capacity.

All functions take a population DataArray with dims (year, age, sex, ...) [persons] and keep any
other dimension (scenario, draw, kommune).
"""

from __future__ import annotations

import xarray as xr

from planmodel.core.ages import age_slice_sum
from planmodel.core.labels import age_range_label

#: identifier -> (Norwegian label, unit). The glossary (docs/glossary.md) lists the same.
INDICATORS: dict[str, tuple[str, str]] = {
    "total": ("Folkemengde", "personer"),
    "aldersbaereevne": (f"Aldersbæreevne (personer {age_range_label(20, 66)} per person {age_range_label(67)})",
                        "personer per person"),
    "share_67plus": (f"Andel {age_range_label(67)}", "andel"),
    "share_80plus": (f"Andel {age_range_label(80)}", "andel"),
    "share_90plus": (f"Andel {age_range_label(90)}", "andel"),
    "persons_67plus": (f"Personer {age_range_label(67)}", "personer"),
    "persons_80plus": (f"Personer {age_range_label(80)}", "personer"),
    "persons_90plus": (f"Personer {age_range_label(90)}", "personer"),
    "growth_80plus": (f"Vekst i personer {age_range_label(80)} fra basisåret", "andel"),
    "family_care_ratio": (f"Omsorgsressurs: kvinner {age_range_label(50, 66)} per person {age_range_label(85)}",
                          "personer per person"),
}


def indicators(pop: xr.DataArray) -> xr.Dataset:
    """Indicators per year (and any other dimension but age and sex).

    Returns
    -------
    Dataset with the variables of :data:`INDICATORS`, each with ``units`` and ``long_name``
    (Norwegian) in attrs. ``aldersbaereevne`` is persons 20–66 per person 67+ (Bærum's
    kommuneplan and SSB use this definition); ``family_care_ratio`` is women 50–66 per person
    85+, a common proxy for the potential of family care (the "care squeeze").
    """
    both = pop.sum("sex")
    total = both.sum("age")
    p67, p80, p90 = age_slice_sum(both, 67), age_slice_sum(both, 80), age_slice_sum(both, 90)
    women_50_66 = age_slice_sum(pop.sel(sex="female"), 50, 66)
    base80 = p80.isel(year=0)
    out = {
        "total": total,
        "aldersbaereevne": age_slice_sum(both, 20, 66) / p67,
        "share_67plus": p67 / total,
        "share_80plus": p80 / total,
        "share_90plus": p90 / total,
        "persons_67plus": p67,
        "persons_80plus": p80,
        "persons_90plus": p90,
        "growth_80plus": p80 / base80 - 1.0,
        "family_care_ratio": women_50_66 / age_slice_sum(both, 85),
    }
    ds = xr.Dataset()
    for key, da in out.items():
        label, unit = INDICATORS[key]
        da = da.drop_vars([c for c in da.coords if c not in da.dims], errors="ignore")
        da.attrs = {"long_name": label, "units": unit}
        ds[key] = da
    ds.attrs = {k: v for k, v in pop.attrs.items() if k in {"kommune", "kommune_name", "scenario", "scenario_label", "sources"}}
    return ds
