"""Matplotlib figures for the apps: data in, :class:`~matplotlib.figure.Figure` out.

The functions are pure: they build a new ``Figure`` with the object-oriented API (no pyplot, so
no global figure registry to leak or to close) and never read files or settings. Fonts are
large because the figures are shown on projectors in kommunestyre meetings; every axis says
what it counts and in which unit, in bokmål; tick labels use Norwegian number formats
(:mod:`planmodel.formatting`).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from planmodel.core.ages import SEX_LABELS_NB
from planmodel.core.formatting import tall

#: Font sizes [pt] that stay readable on a projector at the figure sizes used here.
FONT = {"title": 20, "label": 16, "tick": 14, "legend": 14, "panel": 15}
#: Bar colours for men and women (colour-blind safe pair from the Okabe–Ito palette).
SEX_COLORS = {"male": "#0072B2", "female": "#D55E00"}
LINE_COLOR = "#1b4f72"


def _abs_thousands(x: float, _pos: int | None = None) -> str:
    """Tick label for a count on a two-sided axis: no sign, Norwegian digit grouping."""
    return tall(abs(x))


def _count(x: float, _pos: int | None = None) -> str:
    return tall(x)


def age_group_label(group: str) -> str:
    """KOSTRA group id to display text: ``"1-5"`` -> ``"1–5 år"``, ``"90+"`` -> ``"90 år +"``."""
    if group.endswith("+"):
        return f"{group[:-1]} år\u00a0+"
    return f"{group.replace('-', '–')} år"


def pyramid(pop_year_da: xr.DataArray, title: str, reference: xr.DataArray | None = None,
            reference_label: str | None = None) -> Figure:
    """Population pyramid: single ages, men to the left, women to the right.

    Parameters
    ----------
    pop_year_da : DataArray (age, sex) [persons], one year.
    title : str, figure title (name the kommune, the scenario and the year).
    reference : DataArray (age, sex) [persons], optional; drawn as an outline, e.g. the base
        year, so the change is visible.
    reference_label : str, legend text for ``reference`` (e.g. ``"2026"``).

    Returns
    -------
    Figure with one Axes: ``barh`` patches for men (negative widths) then women, in age order.
    """
    da = pop_year_da.transpose("age", "sex")
    ages = da["age"].values
    men = da.sel(sex="male").values
    women = da.sel(sex="female").values

    fig = Figure(figsize=(10, 8.5), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(ages, -men, height=1.0, color=SEX_COLORS["male"], label=SEX_LABELS_NB["male"])
    ax.barh(ages, women, height=1.0, color=SEX_COLORS["female"], label=SEX_LABELS_NB["female"])
    if reference is not None:
        ref = reference.transpose("age", "sex")
        label = reference_label or "Referanse"
        # A step outline reads better than a second set of bars over the first one.
        ax.step(-ref.sel(sex="male").values, ages, where="mid", color="black", linewidth=1.5,
                label=label)
        ax.step(ref.sel(sex="female").values, ages, where="mid", color="black", linewidth=1.5)
    peak = float(max(men.max(initial=0.0), women.max(initial=0.0),
                     0.0 if reference is None else float(reference.max())))
    limit = peak * 1.08 if peak > 0 else 1.0
    ax.set_xlim(-limit, limit)
    ax.set_ylim(ages.min() - 0.5, ages.max() + 0.5)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(_abs_thousands))
    ax.set_xlabel("Personer per ettårig alder (menn til venstre, kvinner til høyre)",
                  fontsize=FONT["label"])
    ax.set_ylabel("Alder (år)", fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"], loc="left")
    ax.tick_params(labelsize=FONT["tick"])
    ax.yaxis.set_major_locator(MaxNLocator(nbins=11, integer=True))
    ax.legend(fontsize=FONT["legend"], loc="upper right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return fig


def age_groups_over_time(groups_da: xr.DataArray, title: str, ncols: int = 5) -> Figure:
    """Small multiples: persons in each KOSTRA age group over the years, one panel per group.

    Each panel has its own y axis (the groups differ a hundredfold in size), starting at zero so
    that growth is not exaggerated.

    Parameters
    ----------
    groups_da : DataArray (year, age_group) [persons], e.g.
        ``to_kostra_groups(pop).sum("sex")``.
    title : str, figure title (name the kommune and the scenario).
    ncols : int, panels per row.

    Returns
    -------
    Figure with one Axes per age group (in ``groups_da`` order), each with one line.
    """
    da = groups_da.transpose("year", "age_group")
    groups = [str(g) for g in da["age_group"].values]
    years = da["year"].values
    nrows = math.ceil(len(groups) / ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.3 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, group in zip(axes, groups):
        values = da.sel(age_group=group).values
        ax.plot(years, values, color=LINE_COLOR, linewidth=2.5)
        ax.set_title(age_group_label(group), fontsize=FONT["panel"])
        top = float(np.nanmax(values)) if values.size else 0.0
        ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_formatter(FuncFormatter(_count))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.tick_params(labelsize=FONT["tick"] - 2)
        ax.grid(alpha=0.3)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    fig.supylabel("Personer", fontsize=FONT["label"])
    fig.supxlabel("År (1. januar)", fontsize=FONT["label"])
    fig.suptitle(title, fontsize=FONT["title"], x=0.01, horizontalalignment="left")
    return fig


__all__ = ["FONT", "age_group_label", "age_groups_over_time", "pyramid"]
