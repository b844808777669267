r"""Period life tables and projection survival ratios from death rates.

Equations (single-year ages :math:`x = 0 \dots \omega`, open group :math:`\omega`):

.. math::

    q_x = \frac{m_x}{1 + (1 - a_x) m_x}, \qquad l_{x+1} = l_x (1 - q_x), \qquad l_0 = 1

    L_x = l_{x+1} + a_x d_x \;(x < \omega), \qquad L_\omega = l_\omega / m_\omega,
    \qquad T_x = \sum_{y \ge x} L_y, \qquad e_0 = T_0

with :math:`a_x = 1/2` for :math:`x \ge 1` and the infant :math:`a_0` of Andreev & Kingkade
(2015), as in the HMD Methods Protocol v6. Survival ratios for a projection whose oldest group
is :math:`105+`:

.. math::

    S_x = L_{x+1} / L_x \;(x \le 103), \quad S_{104} = T_{105}/T_{104}, \quad
    S_{105+} = T_{106}/T_{105}, \quad S_b = L_0 / l_0 .

Arrays keep ``age`` as their last axis so that any leading dimension (year, sex, draw,
kommune) broadcasts through.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planmodel.core.ages import MAX_AGE


def _infant_ax(m0: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Andreev–Kingkade (2015) a0 for males/females given m0 [deaths per person-year]."""
    a_m = np.where(
        m0 < 0.02300, 0.14929 - 1.99545 * m0,
        np.where(m0 < 0.08307, 0.02832 + 3.26201 * m0, 0.29915),
    )
    a_f = np.where(
        m0 < 0.01724, 0.14903 - 2.05527 * m0,
        np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411),
    )
    return np.where(male, a_m, a_f)


def life_table_arrays(mx: np.ndarray, male: np.ndarray | bool) -> dict[str, np.ndarray]:
    """Life-table columns from death rates, vectorised over all leading axes.

    Parameters
    ----------
    mx : ndarray (..., age)
        Death rates [deaths per person-year] for ages 0..omega; the last age is open.
    male : bool or ndarray broadcastable to ``mx[..., 0]``
        True for males (selects the infant a0 formula).

    Returns
    -------
    dict with ``lx``, ``Lx``, ``Tx`` (each (..., age), radix l0 = 1) and ``e0`` (...,) [years].
    """
    mx = np.asarray(mx, dtype=float)
    if np.isnan(mx).any() or (mx < 0).any():
        raise ValueError("death rates must be non-negative numbers (no NaN)")
    ax = np.full_like(mx, 0.5)
    ax[..., 0] = _infant_ax(mx[..., 0], np.asarray(male))
    qx = mx / (1.0 + (1.0 - ax) * mx)
    qx = np.clip(qx, 0.0, 1.0)
    qx[..., -1] = 1.0
    px = 1.0 - qx
    lx = np.concatenate([np.ones_like(mx[..., :1]), np.cumprod(px[..., :-1], axis=-1)], axis=-1)
    dx = lx * qx
    Lx = lx - (1.0 - ax) * dx
    # Open group: L = l / m (with a guard for m = 0, which only occurs in toy inputs)
    m_last = mx[..., -1]
    Lx[..., -1] = np.where(m_last > 0, lx[..., -1] / np.where(m_last > 0, m_last, 1.0), lx[..., -1])
    Tx = np.flip(np.cumsum(np.flip(Lx, axis=-1), axis=-1), axis=-1)
    return {"lx": lx, "Lx": Lx, "Tx": Tx, "e0": Tx[..., 0]}


def survival_arrays(mx: np.ndarray, male: np.ndarray | bool) -> tuple[np.ndarray, np.ndarray]:
    """Projection survival ratios S_x for ages 0..105 (105 = 105+) and birth survival S_b.

    ``mx`` must cover ages 0..MAX_AGE+1 or more (HMD gives 0..110+).
    Returns (S (..., 106), Sb (...)), both probabilities in [0, 1].
    """
    if mx.shape[-1] < MAX_AGE + 2:
        raise ValueError(f"death rates must cover ages 0..{MAX_AGE + 1} or older")
    lt = life_table_arrays(mx, male)
    L, T = lt["Lx"], lt["Tx"]
    S = np.empty(mx.shape[:-1] + (MAX_AGE + 1,))
    with np.errstate(invalid="ignore", divide="ignore"):
        S[..., :MAX_AGE - 1] = L[..., 1:MAX_AGE] / L[..., : MAX_AGE - 1]
        S[..., MAX_AGE - 1] = T[..., MAX_AGE] / T[..., MAX_AGE - 1]
        S[..., MAX_AGE] = T[..., MAX_AGE + 1] / T[..., MAX_AGE]
    S = np.nan_to_num(S, nan=0.0)
    return np.clip(S, 0.0, 1.0), L[..., 0]


def _male_mask(da: xr.DataArray) -> np.ndarray:
    """Boolean array broadcastable to ``da.values[..., 0]``: True where sex == 'male'."""
    if "sex" not in da.dims:
        raise ValueError("death rates need a 'sex' dimension")
    shape = [1] * (da.ndim - 1)
    axis = [d for d in da.dims if d != "age"].index("sex")
    shape[axis] = da.sizes["sex"]
    return (da["sex"].values == "male").reshape(shape)


def life_expectancy(mx: xr.DataArray) -> xr.DataArray:
    """Period life expectancy at birth e0 [years] from death rates with dims (..., sex, age)."""
    mx = mx.transpose(..., "age")
    e0 = life_table_arrays(mx.values, _male_mask(mx))["e0"]
    dims = [d for d in mx.dims if d != "age"]
    return xr.DataArray(e0, coords={d: mx[d] for d in dims}, dims=dims, name="e0",
                        attrs={"units": "years"})


def scale_to_life_expectancy(mx: xr.DataArray, target_e0: xr.DataArray, iterations: int = 40,
                             age_pattern: xr.DataArray | None = None) -> xr.DataArray:
    r"""Move death rates to a target e0: :math:`m_x \to m_x e^{\theta b_x}`.

    :math:`b_x` is the age pattern of change (Lee–Carter's :math:`b_x`; default 1 at every
    age, i.e. proportional scaling) and :math:`\theta` is found by bisection, vectorised over
    every dimension of the broadcast of ``mx`` (without ``age``) and ``target_e0`` (for
    example ``year``, ``sex``, ``draw``).

    Parameters
    ----------
    mx : DataArray (..., sex, age) [deaths per person-year]
    target_e0 : DataArray (..., sex) [years]; must lie between 20 and 110 years.
    age_pattern : DataArray (age[, sex]) [relative], non-negative, or None for proportional.

    Returns
    -------
    DataArray of scaled death rates with the broadcast dimensions and ``age`` last.
    """
    if float(target_e0.min()) <= 20 or float(target_e0.max()) >= 110:
        raise ValueError("target life expectancy must be between 20 and 110 years")
    mx_b, tgt = xr.broadcast(mx, target_e0)
    mx_b = mx_b.transpose(..., "age")
    tgt = tgt.transpose(*[d for d in mx_b.dims if d != "age"], ...)
    if "age" in tgt.dims:
        tgt = tgt.isel(age=0, drop=True)
    base = mx_b.values
    target = tgt.values
    male = _male_mask(mx_b)
    if age_pattern is None:
        b = np.ones_like(base)
    else:
        b = xr.broadcast(age_pattern, mx_b)[0].transpose(*mx_b.dims).values
    span = 10.0 / max(float(b.max()), 1e-9)
    lo = np.full(target.shape, -2.0 * span)
    hi = np.full(target.shape, span)
    for _ in range(iterations):  # bisection steps, each fully vectorised
        mid = 0.5 * (lo + hi)
        e0 = life_table_arrays(base * np.exp(mid[..., None] * b), male)["e0"]
        too_short = e0 < target  # mortality too high -> lower theta
        hi = np.where(too_short, mid, hi)
        lo = np.where(too_short, lo, mid)
    theta = 0.5 * (lo + hi)
    out = mx_b.copy(data=base * np.exp(theta[..., None] * b))
    out.attrs = {**mx.attrs, "scaled_to_e0": True}
    return out


def kannisto_old_age(mx: xr.DataArray, fit_ages: tuple[int, int] = (80, 94), from_age: int = 95) -> xr.DataArray:
    r"""Replace noisy or missing death rates at the oldest ages by a fitted Kannisto curve.

    .. math:: \operatorname{logit} m_x = \ln a + b x, \qquad m_x = \frac{a e^{bx}}{1 + a e^{bx}}

    fitted by least squares on ``fit_ages`` (inclusive) and used for ages >= ``from_age``,
    as the HMD Methods Protocol does above age 80 for its life tables (Thatcher, Kannisto &
    Vaupel 1998). Vectorised over every dimension but ``age`` (closed-form regression).
    """
    ages = mx["age"]
    fit = mx.sel(age=slice(*fit_ages))
    x = fit["age"].astype(float)
    y = np.log(fit / (1.0 - fit))
    xm = x.mean()
    b = ((x - xm) * (y - y.mean("age"))).sum("age") / ((x - xm) ** 2).sum()
    a = y.mean("age") - b * xm
    z = np.exp(a + b * ages.astype(float))
    fitted = z / (1.0 + z)
    out = xr.where(ages >= from_age, fitted, mx).transpose(*mx.dims)
    out.attrs = {**mx.attrs, "old_age": f"Kannisto fitted on ages {fit_ages[0]}-{fit_ages[1]}, used from {from_age}"}
    return out


def life_expectancy_from_survival(S: np.ndarray, Sb: np.ndarray) -> np.ndarray:
    r"""Life expectancy at birth e0 [years] recovered from projection survival ratios.

    The inverse of :func:`survival_arrays` (radix :math:`l_0 = 1`): :math:`L_0 = S_b`,
    :math:`L_{x+1} = S_x L_x` up to age 104, and from :math:`S_{104} = T_{105}/T_{104}` with
    :math:`T_{104} = L_{104} + T_{105}` the open tail :math:`T_{105} = S_{104} L_{104} / (1 - S_{104})`;
    :math:`e_0 = \sum_{x \le 104} L_x + T_{105}`. Used to check that survival built for a target
    e0 (for example interpolated per draw) has that e0.

    Parameters
    ----------
    S : ndarray (..., age 0..105) [probability]; Sb : ndarray (...) [probability].

    Returns
    -------
    ndarray (...) [years].
    """
    S = np.asarray(S, dtype=float)
    L = np.asarray(Sb, dtype=float)[..., None] * np.concatenate(
        [np.ones_like(S[..., :1]), np.cumprod(S[..., : MAX_AGE - 1], axis=-1)], axis=-1)  # L_0..L_104
    s104 = S[..., MAX_AGE - 1]
    return L.sum(axis=-1) + s104 * L[..., -1] / (1.0 - s104)
