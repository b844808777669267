"""Small SVG charts for the apps: data in, an SVG string out.

Why SVG and not matplotlib: the Krisekompasset redraws six charts on every click and must show
them within ~150 ms. Rendering a matplotlib figure to PNG takes 50–150 ms per figure; building
these strings takes well under a millisecond each, and the browser draws them in a few ms inside
an ipywidgets ``HTML`` widget.

Conventions: large fonts for projectors, every axis says what it counts and in which unit
(bokmål), numbers in Norwegian format (the ``fmt`` arguments, default
:func:`planmodel.core.formatting.tall`). For accessibility every chart has
``role="img"``, a ``<title>`` and a ``<desc>``, and every label is a real ``<text>`` element
(screen readers and tests can read them). Series differ by dash pattern or shade *and* are
named in a legend, never by colour alone. Missing values (NaN) are left out, never drawn as 0
and never written as "nan".

All functions are pure and return a complete ``<svg>`` element; ``chart_id`` must be unique on
the page (it prefixes the element ids the title and description use).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

from planmodel.core.ages import SEX_LABELS_NB
from planmodel.core.labels import age_range_label
from planmodel.core.formatting import tall

#: Okabe–Ito colours (colour-blind safe), in series order.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00")
#: Dash patterns in series order (solid, dashed, dotted ...), so lines differ without colour.
DASHES = ("", "10 6", "3 5", "14 5 3 5")
#: Bar opacity by series, so grouped bars also differ in shade.
SHADES = (1.0, 0.65, 0.4, 0.8)
FONT = 17  #: base font size [px] at the chart's natural size
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
AXIS_COLOR = "#333"
GRID_COLOR = "#dcdcdc"

Number = float | int
Formatter = Callable[[float], str]


# ------------------------------------------------------------------------------ helpers

def esc(text) -> str:
    """Text escaped for SVG/XML content and attributes."""
    return html.escape(str(text), quote=True)


def finite(values: Sequence) -> list[float]:
    """The finite numbers of ``values`` (NaN, inf and None dropped)."""
    out = []
    for v in values:
        if v is None:
            continue
        v = float(v)
        if math.isfinite(v):
            out.append(v)
    return out


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (steps 1, 2, 2.5 or 5 × 10^k).

    >>> nice_ticks(0, 97)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    count = int(round((last - first) / step))
    return [round(first + i * step, 10) + 0.0 for i in range(count + 1)]


def labelled_ticks(lo: float, hi: float, fmt: Formatter, n: int = 5) -> list[float]:
    """:func:`nice_ticks` whose labels under ``fmt`` all differ: with a coarse format (whole
    numbers) a tiny range such as 0–1 is widened until no two ticks read the same."""
    ticks = nice_ticks(lo, hi, n)
    for _ in range(12):
        labels = [fmt(t) for t in ticks]
        if len(set(labels)) == len(labels):
            break
        hi = ticks[0] + 2 * (ticks[-1] - ticks[0])
        ticks = nice_ticks(ticks[0], hi, n)
    return ticks


def wrap(text: str, width: int = 24, max_lines: int = 3) -> list[str]:
    """Split ``text`` into at most ``max_lines`` lines of about ``width`` characters (at
    spaces); the last line ends with "…" if text had to be cut."""
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(",.;:") + "…"
    return lines or [""]


def _segments(xs, vals, px, py) -> list[list[tuple[float, float]]]:
    """The runs of a series between missing values (None or not finite), as plot points."""
    segs, cur = [], []
    for xv, v in zip(xs, vals):
        if v is None or not math.isfinite(float(v)):
            if cur:
                segs.append(cur)
            cur = []
        else:
            cur.append((px(xv), py(float(v))))
    if cur:
        segs.append(cur)
    return segs


def _text(x, y, s, size=FONT, anchor="start", weight="normal", fill=AXIS_COLOR, halo=False) -> str:
    """One ``<text>``; ``halo`` draws a white outline under the glyphs so the text stays
    readable where it crosses lines."""
    extra = ' stroke="#ffffff" stroke-width="4" paint-order="stroke" stroke-linejoin="round"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{esc(s)}</text>')


def _multiline(x, y, lines, size=FONT, anchor="end", line_height=1.15) -> str:
    """A ``<text>`` with one ``<tspan>`` per line, vertically centred on ``y``."""
    dy0 = -(len(lines) - 1) * line_height * size / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{(dy0 if i == 0 else line_height * size):.1f}">{esc(s)}</tspan>'
        for i, s in enumerate(lines))
    return (f'<text x="{x:.1f}" y="{y + size * 0.35:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{AXIS_COLOR}">{spans}</text>')


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    cid = esc(chart_id)
    return (f'<svg viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;height:auto;display:block" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" font-family="{FONT_FAMILY}" '
            f'class="planmodel-svg-chart" data-chart="{cid}">'
            f'<title id="{cid}-title">{esc(title)}</title><desc id="{cid}-desc">{esc(desc)}</desc>'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')


def _legend(items: list[tuple[str, str]], x: float, y: float, width: float, size: int = FONT - 2) -> tuple[str, float]:
    """Legend entries ``(swatch svg at origin, label)`` laid out left to right, wrapping; returns
    (svg, height used)."""
    parts, cx, cy, row_h = [], x, y, size * 1.5
    for swatch, label in items:
        w = 34 + len(label) * size * 0.55 + 18
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + row_h
        parts.append(f'<g transform="translate({cx:.1f},{cy:.1f})">{swatch}'
                     f'{_text(34, size * 0.35, label, size=size)}</g>')
        cx += w
    return "".join(parts), (cy - y) + row_h if items else 0.0


def _line_swatch(i: int) -> str:
    dash = f' stroke-dasharray="{DASHES[i % len(DASHES)]}"' if DASHES[i % len(DASHES)] else ""
    return f'<line x1="0" y1="0" x2="28" y2="0" stroke="{COLORS[i % len(COLORS)]}" stroke-width="4"{dash}/>'


def _bar_swatch(i: int) -> str:
    return (f'<rect x="4" y="-8" width="20" height="16" fill="{COLORS[0]}" '
            f'fill-opacity="{SHADES[i % len(SHADES)]}" stroke="{AXIS_COLOR}" stroke-width="1"/>')


# ------------------------------------------------------------------------------ charts

def line_chart(x: Sequence[int], series: Sequence[tuple[str, Sequence[Number]]], *, title: str,
               y_label: str, chart_id: str, x_label: str = "År", fmt: Formatter = tall,
               reference: Sequence[tuple[float, str]] = (), shade: tuple[int, int, str] | None = None,
               desc: str = "", width: int = 720, height: int = 400, zero_line: bool = True,
               end_labels: bool = True, from_zero: bool = True,
               bands: Sequence[tuple[str, Sequence[Number], Sequence[Number]]] = ()) -> str:
    """Lines over years, optionally over shaded bands (a fan chart).

    Parameters
    ----------
    x : years (ints), the same for every series.
    series : ``(label, values)`` per line; values in the unit of ``y_label`` (NaN = gap).
    title, y_label, x_label : Norwegian texts; ``y_label`` names the unit ("% av driftsinntektene").
    chart_id : unique id on the page.
    fmt : number -> text for y tick labels and end labels.
    reference : horizontal reference lines ``(value, label)``, e.g. ``(1.75, "Norm 1,75 %")``.
    shade : ``(first_year, last_year, label)``: a shaded band, e.g. the økonomiplan period.
    desc : longer description for screen readers (what the chart shows, the key values).
    zero_line : draw y = 0 darker when 0 is inside the range.
    end_labels : write each line's last value at its end.
    from_zero : the y axis includes 0 (default), so a level (persons, årsverk, kroner) is drawn
        against nothing rather than against its own minimum; only a share or rate whose distance
        from a reference matters (netto driftsresultat in % against the norm) sets False.

    Returns
    -------
    str, an ``<svg>`` element.
    """
    xs = [int(v) for v in x]
    all_y = [v for _, vals in series for v in finite(vals)] + [r[0] for r in reference] + \
        [v for _, lower, upper in bands for v in finite(lower) + finite(upper)]
    if from_zero:
        all_y.append(0.0)
    lo, hi = (min(all_y), max(all_y)) if all_y else (0.0, 1.0)
    ticks = labelled_ticks(lo, hi, fmt)
    y0, y1 = ticks[0], ticks[-1]
    band_opacity = [0.18 + 0.17 * k for k in range(len(bands))]
    legend_items = [(_line_swatch(i), lab) for i, (lab, _) in enumerate(series)] if len(series) > 1 or bands else []
    legend_items += [(f'<rect width="22" height="12" y="-9" fill="{COLORS[0]}" fill-opacity="{band_opacity[k]:.2f}"/>', lab)
                     for k, (lab, _, _) in enumerate(bands)]
    left = 20 + max(len(fmt(t)) for t in ticks) * FONT * 0.6 + 30
    right = 30 + (max((len(fmt(finite(v)[-1])) for _, v in series if finite(v)), default=0) * FONT * 0.6
                  if end_labels else 0)
    legend_svg, legend_h = _legend(legend_items, left, 84, width - left - right)
    top = 84 + legend_h if legend_items else 76
    bottom = 62
    pw, ph = width - left - right, height - top - bottom
    if not xs:
        xs = [0]
    xmin, xmax = min(xs), max(xs)

    def px(v):
        return left + (0.5 if xmax == xmin else (v - xmin) / (xmax - xmin)) * pw

    def py(v):
        return top + ph - (v - y0) / ((y1 - y0) or 1) * ph

    out = [_open(chart_id, width, height, title, desc), _text(12, 30, title, size=FONT + 3, weight="bold"),
           legend_svg]
    if shade is not None:
        s0, s1, slabel = shade
        xa, xb = px(max(s0, xmin) - 0.5 if s0 > xmin else xmin), px(min(s1, xmax) + 0.5 if s1 < xmax else xmax)
        out.append(f'<rect x="{xa:.1f}" y="{top:.1f}" width="{max(xb - xa, 0):.1f}" height="{ph:.1f}" '
                   f'fill="#f1e7c7" fill-opacity="0.6"/>')
        out.append(_text((xa + xb) / 2, top + FONT, slabel, size=FONT - 3, anchor="middle", fill="#6b5a1e"))
    for t in ticks:  # grid and y tick labels
        yy = py(t)
        strong = zero_line and t == 0 and y0 < 0 < y1
        out.append(f'<line x1="{left:.1f}" y1="{yy:.1f}" x2="{left + pw:.1f}" y2="{yy:.1f}" '
                   f'stroke="{"#777" if strong else GRID_COLOR}" stroke-width="{2 if strong else 1}"/>')
        out.append(_text(left - 8, yy + FONT * 0.35, fmt(t), size=FONT - 1, anchor="end"))
    step = max(1, math.ceil(len(xs) / 8))
    shown = xs[::step] if xs[-1] in xs[::step] else xs[::step] + [xs[-1]]
    if len(shown) > 1 and shown[-1] - shown[-2] < step:
        shown = shown[:-2] + [shown[-1]]
    for v in shown:  # x tick labels
        out.append(_text(px(v), top + ph + FONT + 8, str(v), size=FONT - 1, anchor="middle"))
    out.append(f'<line x1="{left:.1f}" y1="{top + ph:.1f}" x2="{left + pw:.1f}" y2="{top + ph:.1f}" stroke="{AXIS_COLOR}"/>')
    for k, (label, lower, upper) in enumerate(bands):  # behind the lines
        pts = [(px(xv), py(float(a)), py(float(b))) for xv, a, b in zip(xs, lower, upper)
               if math.isfinite(float(a)) and math.isfinite(float(b))]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{a:.1f}" for x, a, _ in pts) + " " + \
                " ".join(f"{x:.1f},{b:.1f}" for x, _, b in reversed(pts))
            out.append(f'<polygon points="{path}" fill="{COLORS[0]}" fill-opacity="{band_opacity[k]:.2f}" '
                       f'stroke="none"><title>{esc(label)}</title></polygon>')
    for value, label in reference:
        yy = py(value)
        out.append(f'<line x1="{left:.1f}" y1="{yy:.1f}" x2="{left + pw:.1f}" y2="{yy:.1f}" stroke="#b00020" '
                   f'stroke-width="2.5" stroke-dasharray="8 5"/>')
        out.append(_text(left + pw - 6, yy - 8, label, size=FONT - 2, anchor="end", fill="#b00020", weight="bold",
                         halo=True))
    ends = []
    for i, (label, vals) in enumerate(series):
        color, dash = COLORS[i % len(COLORS)], DASHES[i % len(DASHES)]
        segs = _segments(xs, vals, px, py)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for seg in segs:
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in seg)
            if len(seg) == 1:
                out.append(f'<circle cx="{seg[0][0]:.1f}" cy="{seg[0][1]:.1f}" r="4" fill="{color}"/>')
            else:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="3.5"'
                           f'{dash_attr} stroke-linejoin="round"><title>{esc(label)}</title></polyline>')
        good = [(xv, float(v)) for xv, v in zip(xs, vals) if v is not None and math.isfinite(float(v))]
        if end_labels and good:
            ends.append([py(good[-1][1]), px(good[-1][0]) + 8, fmt(good[-1][1]), color])
    ends.sort()
    for k in range(1, len(ends)):  # keep end labels of close lines apart
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + FONT)
    for yy, xx, label, color in ends:
        out.append(_text(xx, yy + FONT * 0.35, label, size=FONT - 1, fill=color, weight="bold", halo=True))
    out.append(_text(left + pw / 2, height - 12, x_label, size=FONT - 1, anchor="middle"))
    out.append(_text(12, 56, y_label, size=FONT - 1))
    out.append("</svg>")
    return "".join(out)


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]], *, title: str,
              value_label: str, chart_id: str, fmt: Formatter = tall, desc: str = "", width: int = 720,
              label_width: int = 24, value_labels: bool = True, marked: Sequence[bool] | None = None) -> str:
    """Horizontal grouped bars: one row per category, one bar per series in each row.

    Parameters
    ----------
    categories : row labels (long labels are wrapped).
    series : ``(label, values)`` per series (e.g. per year), values in the unit of ``value_label``.
    title, value_label : Norwegian texts; ``value_label`` names the unit ("mill. kr, 2025-priser").
    chart_id : unique id on the page.
    fmt : number -> text for the axis ticks and the value at each bar.
    label_width : characters per line of the row labels.
    value_labels : write each bar's value after it.
    marked : optional flag per category: a marked row gets a bold label (e.g. the chosen one).

    Returns
    -------
    str, an ``<svg>`` element; its height grows with the number of bars.
    """
    n_s = max(len(series), 1)
    bar_h = 22 if n_s > 1 else 28
    group_h = n_s * bar_h + 18
    wrapped = [wrap(c, label_width) for c in categories]
    group_h = max(group_h, max((len(w) for w in wrapped), default=1) * FONT * 1.2 + 10)
    legend_items = [(_bar_swatch(i), lab) for i, (lab, _) in enumerate(series)] if len(series) > 1 else []
    left = 24 + label_width * FONT * 0.55
    vals = [v for _, vs in series for v in finite(vs)]
    lo, hi = (min(vals + [0.0]), max(vals + [0.0])) if vals else (0.0, 1.0)
    ticks = labelled_ticks(lo, hi, fmt)
    x0, x1 = ticks[0], ticks[-1]
    right = 24 + (max((len(fmt(v)) for v in vals), default=0) * FONT * 0.55 if value_labels else 0)
    legend_svg, legend_h = _legend(legend_items, 12, 60, width - 24)
    top = 60 + legend_h + 4 if legend_items else 52
    pw = width - left - right
    plot_h = group_h * len(categories)
    height = int(top + plot_h + 70)

    def px(v):
        return left + (v - x0) / ((x1 - x0) or 1) * pw

    out = [_open(chart_id, width, height, title, desc), _text(12, 30, title, size=FONT + 3, weight="bold"),
           legend_svg]
    for t in ticks:
        xx = px(t)
        out.append(f'<line x1="{xx:.1f}" y1="{top:.1f}" x2="{xx:.1f}" y2="{top + plot_h:.1f}" '
                   f'stroke="{"#777" if t == 0 else GRID_COLOR}" stroke-width="{2 if t == 0 else 1}"/>')
        out.append(_text(xx, top + plot_h + FONT + 6, fmt(t), size=FONT - 2, anchor="middle"))
    zero = px(0.0) if x0 <= 0 <= x1 else px(x0)
    for r, (cat_lines, cat) in enumerate(zip(wrapped, categories)):
        gy = top + r * group_h
        bold = marked is not None and r < len(marked) and marked[r]
        label = _multiline(left - 10, gy + group_h / 2, cat_lines, size=FONT - 1)
        if bold:
            label = label.replace("<text ", '<text font-weight="bold" ', 1)
        out.append(label)
        inner = (group_h - n_s * bar_h) / 2
        for i, (slabel, svals) in enumerate(series):
            v = svals[r] if r < len(svals) else None
            if v is None or not math.isfinite(float(v)):
                continue
            v = float(v)
            y = gy + inner + i * bar_h
            xa, xb = sorted((zero, px(v)))
            out.append(f'<rect x="{xa:.1f}" y="{y + 2:.1f}" width="{max(xb - xa, 0.5):.1f}" height="{bar_h - 4}" '
                       f'fill="{COLORS[0]}" fill-opacity="{SHADES[i % len(SHADES)]}" stroke="{AXIS_COLOR}" '
                       f'stroke-width="0.8"><title>{esc(cat)}, {esc(slabel)}: {esc(fmt(v))}</title></rect>')
            if value_labels:
                tx = xb + 6 if v >= 0 else xa - 6
                out.append(_text(tx, y + bar_h / 2 + (FONT - 3) * 0.35, fmt(v), size=FONT - 3,
                                 anchor="start" if v >= 0 else "end"))
    out.append(_text(left + pw / 2, height - 14, value_label, size=FONT - 1, anchor="middle"))
    out.append("</svg>")
    return "".join(out)


def column_chart(x: Sequence, values: Sequence[Number], *, title: str, y_label: str, chart_id: str,
                 fmt: Formatter = tall, desc: str = "", width: int = 720, height: int = 380,
                 highlight: Sequence[bool] | None = None, highlight_label: str = "",
                 value_labels: bool = True, x_label: str = "År") -> str:
    """Vertical bars over ``x`` (usually years), one series.

    Parameters
    ----------
    x : bar labels (years).
    values : bar heights in the unit of ``y_label`` (NaN = no bar).
    highlight : optional flag per bar; flagged bars are drawn darker and named in a legend
        (``highlight_label``), e.g. the økonomiplan years.
    value_labels : write non-zero values above the bars (skipped when bars are too narrow).
    x_label : text under the x axis.

    Returns
    -------
    str, an ``<svg>`` element.
    """
    vals = finite(values)
    lo, hi = (min(vals + [0.0]), max(vals + [0.0])) if vals else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1.0
    ticks = labelled_ticks(lo, hi, fmt)
    y0, y1 = ticks[0], ticks[-1]
    left = 20 + max(len(fmt(t)) for t in ticks) * FONT * 0.6 + 24
    right, top, bottom = 20, 76, 62
    legend_svg, legend_h = "", 0.0
    if highlight is not None and any(highlight) and highlight_label:
        legend_svg, legend_h = _legend([(f'<rect x="4" y="-8" width="20" height="16" fill="{COLORS[1]}"/>',
                                         highlight_label),
                                        (f'<rect x="4" y="-8" width="20" height="16" fill="{COLORS[0]}" '
                                         f'fill-opacity="0.55"/>', "Andre år")], left, 84, width - left - right)
        top = 84 + legend_h
    pw, ph = width - left - right, height - top - bottom
    n = max(len(x), 1)
    slot = pw / n
    bw = slot * 0.7

    def py(v):
        return top + ph - (v - y0) / ((y1 - y0) or 1) * ph

    out = [_open(chart_id, width, height, title, desc), _text(12, 30, title, size=FONT + 3, weight="bold"),
           legend_svg]
    for t in ticks:
        yy = py(t)
        out.append(f'<line x1="{left:.1f}" y1="{yy:.1f}" x2="{left + pw:.1f}" y2="{yy:.1f}" '
                   f'stroke="{"#777" if t == 0 else GRID_COLOR}" stroke-width="{2 if t == 0 else 1}"/>')
        out.append(_text(left - 8, yy + FONT * 0.35, fmt(t), size=FONT - 1, anchor="end"))
    step = max(1, math.ceil(n / 10))
    show_values = value_labels and bw >= 7 * (FONT - 5) * 0.55
    for i, (lab, v) in enumerate(zip(x, values)):
        cx = left + slot * (i + 0.5)
        if i % step == 0 or i == n - 1:
            out.append(_text(cx, top + ph + FONT + 8, str(lab), size=FONT - 1, anchor="middle"))
        if v is None or not math.isfinite(float(v)):
            continue
        v = float(v)
        ya, yb = sorted((py(0.0 if y0 <= 0 <= y1 else y0), py(v)))
        hl = highlight is not None and i < len(highlight) and highlight[i]
        fill = f'fill="{COLORS[1]}"' if hl else f'fill="{COLORS[0]}" fill-opacity="0.55"'
        out.append(f'<rect x="{cx - bw / 2:.1f}" y="{ya:.1f}" width="{bw:.1f}" height="{max(yb - ya, 0):.1f}" {fill}>'
                   f'<title>{esc(lab)}: {esc(fmt(v))}</title></rect>')
        if show_values and v != 0:
            out.append(_text(cx, ya - 6, fmt(v), size=FONT - 5, anchor="middle"))
    out.append(_text(left + pw / 2, height - 12, x_label, size=FONT - 1, anchor="middle"))
    out.append(_text(12, 56, y_label, size=FONT - 1))
    out.append("</svg>")
    return "".join(out)


#: Colours of men and women in the pyramid: the Okabe–Ito blue/vermillion pair (colour-blind
#: safe); the sexes also differ by side and are named above each half, never by colour alone.
SEX_COLORS = {"male": COLORS[0], "female": COLORS[1]}
REFERENCE_COLOR = "#000000"


def _heading(title: str, subtitle: str) -> tuple[str, float]:
    """Title (bold) and optional subtitle at the top left; returns (svg, y below them)."""
    out = _text(12, 30, title, size=FONT + 3, weight="bold")
    if subtitle:
        return out + _text(12, 54, subtitle, size=FONT - 1), 62.0
    return out, 38.0


def _full_title(title: str, subtitle: str) -> str:
    return f"{title} – {subtitle}" if subtitle else title


def pyramid_chart(ages: Sequence[int], men: Sequence[Number], women: Sequence[Number], *, title: str,
                  chart_id: str, subtitle: str = "",
                  reference: tuple[Sequence[Number], Sequence[Number]] | None = None,
                  reference_label: str = "", desc: str = "", fmt: Formatter = tall,
                  x_label: str = "Personer per ettårig alder (menn til venstre, kvinner til høyre)",
                  y_label: str = "Alder (år)", open_last: bool = True, width: int = 760,
                  bar_px: int = 5) -> str:
    """Population pyramid: one bar per single age, men to the left, women to the right.

    Parameters
    ----------
    ages : single ages [years], ascending (e.g. 0–105).
    men, women : persons at each age [persons] (NaN = no bar).
    title : Norwegian heading (e.g. year and place); ``subtitle`` (e.g. the scenario) goes under
        it. The SVG ``<title>`` is both, joined by a dash.
    chart_id : unique id on the page.
    reference : optional ``(men, women)`` [persons] at the same ages, drawn as a black step
        outline over the bars (e.g. the base year), named ``reference_label`` in the legend.
    desc : longer description for screen readers (totals, key groups).
    fmt : number -> text for the axis ticks and the bar tooltips; ticks show no sign on
        either side (a count of men is not negative).
    open_last : the last age is an open group ("105 år og over") in the bar tooltips.
    bar_px : height of one age's bar [px]; whole pixels keep the bars crisp and gap-free.

    Returns
    -------
    str, an ``<svg>`` element. Each bar is a ``<rect data-sex=... data-age=...>`` whose width is
    proportional to the persons and whose ``<title>`` states them.
    """
    ages = [int(a) for a in ages]
    n = len(ages)
    peak = max(finite(men) + finite(women) + (finite(reference[0]) + finite(reference[1]) if reference else []),
               default=0.0)
    ticks = [t for t in labelled_ticks(0.0, peak if peak > 0 else 1.0, fmt, n=5) if t >= 0]
    limit = ticks[-1] or 1.0
    head, y_head = _heading(title, subtitle)
    legend_items = [(f'<rect x="4" y="-8" width="20" height="16" fill="{SEX_COLORS[s]}"/>', SEX_LABELS_NB[s])
                    for s in ("male", "female")]
    if reference is not None:
        legend_items.append((f'<line x1="0" y1="0" x2="28" y2="0" stroke="{REFERENCE_COLOR}" stroke-width="2.5"/>',
                             reference_label or "Referanse"))
    half_tick = len(fmt(limit)) * (FONT - 2) * 0.3 + 6  # the outermost tick labels are centred on the edges
    left = max(12 + max((len(str(a)) for a in ages), default=1) * FONT * 0.6 + 14, half_tick + 4)
    right = max(24, half_tick + 4)
    legend_svg, legend_h = _legend(legend_items, left, y_head + 22, width - left - right)
    top = int(y_head + 22 + legend_h + 34)  # legend, then "Alder (år)" and the half names
    ph = n * bar_px
    height = top + ph + 62
    pw = width - left - right
    mid, half = left + pw / 2, pw / 2

    def px(v: float, side: int) -> float:  # side -1 = men (left), +1 = women (right)
        return mid + side * v / limit * half

    def y_top(i: int) -> int:  # top edge of the bar of ages[i]; age 0 at the bottom
        return top + ph - (i + 1) * bar_px

    out = [_open(chart_id, width, height, _full_title(title, subtitle), desc), head, legend_svg,
           _text(12, top - 10, y_label, size=FONT - 1),
           _text(mid - 10, top - 10, f"← {SEX_LABELS_NB['male']}", size=FONT - 1, anchor="end", weight="bold"),
           _text(mid + 10, top - 10, f"{SEX_LABELS_NB['female']} →", size=FONT - 1, weight="bold")]
    for t in ticks:  # vertical grid and tick labels on both sides (no sign)
        for side in ((1,) if t == 0 else (-1, 1)):
            xx = px(t, side)
            out.append(f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" stroke="{GRID_COLOR}"/>')
            out.append(_text(xx, top + ph + FONT + 6, fmt(t), size=FONT - 2, anchor="middle"))
    for i, a in enumerate(ages):  # age ticks every ten years
        if a % 10 == 0:
            yy = y_top(i) + bar_px / 2
            out.append(f'<line x1="{left - 5:.1f}" y1="{yy:.1f}" x2="{left:.1f}" y2="{yy:.1f}" stroke="{AXIS_COLOR}"/>')
            out.append(_text(left - 8, yy + (FONT - 2) * 0.35, str(a), size=FONT - 2, anchor="end"))
    for sex, side, values in (("male", -1, men), ("female", 1, women)):
        name = SEX_LABELS_NB[sex]
        bars = [f'<g fill="{SEX_COLORS[sex]}" shape-rendering="crispEdges" class="pyramid-{sex}">']
        for i, (a, v) in enumerate(zip(ages, values)):
            if v is None or not math.isfinite(float(v)):
                continue
            v = float(v)
            xa, xb = sorted((mid, px(v, side)))
            age_text = age_range_label(a) if open_last and i == n - 1 else age_range_label(a, a)
            bars.append(f'<rect x="{xa:.1f}" y="{y_top(i)}" width="{xb - xa:.1f}" height="{bar_px}" '
                        f'data-sex="{sex}" data-age="{a}"><title>{name}, {age_text}: {esc(fmt(v))}</title></rect>')
        bars.append("</g>")
        out.append("".join(bars))
    if reference is not None:
        for side, values in ((-1, reference[0]), (1, reference[1])):
            path, pen_down = [], False
            for i, v in enumerate(values):
                if v is None or not math.isfinite(float(v)):
                    pen_down = False
                    continue
                xx = px(float(v), side)
                path.append(f"H{xx:.1f}V{y_top(i)}" if pen_down else f"M{xx:.1f},{y_top(i) + bar_px}V{y_top(i)}")
                pen_down = True
            if path:
                out.append(f'<path d="{"".join(path)}" fill="none" stroke="{REFERENCE_COLOR}" stroke-width="2" '
                           f'class="pyramid-reference"><title>{esc(reference_label or "Referanse")}</title></path>')
    out.append(f'<line x1="{mid:.1f}" y1="{top}" x2="{mid:.1f}" y2="{top + ph}" stroke="{AXIS_COLOR}" stroke-width="1.5"/>')
    out.append(f'<line x1="{left:.1f}" y1="{top + ph}" x2="{left + pw:.1f}" y2="{top + ph}" stroke="{AXIS_COLOR}"/>')
    out.append(_text(mid, height - 12, x_label, size=FONT - 1, anchor="middle"))
    out.append("</svg>")
    return "".join(out)


def small_multiples(x: Sequence[int], panels: Sequence[tuple[str, Sequence[Number]]], *, title: str,
                    chart_id: str, subtitle: str = "", y_label: str = "personer", x_label: str = "År",
                    fmt: Formatter = tall, desc: str = "", ncols: int = 5, width: int = 1040,
                    panel_height: int = 190) -> str:
    """Small multiples: one small line panel per series, all over the same years.

    Each panel has its own y axis starting at zero (series may differ a hundredfold in size,
    and an axis from zero does not exaggerate growth); the x axis (years) is the same in every
    panel and is labelled with its first and last year.

    Parameters
    ----------
    x : years (ints), shared by every panel.
    panels : ``(label, values)`` per panel, in reading order; values in the unit of ``y_label``
        (NaN = gap). Values are expected to be zero or more.
    title, subtitle : Norwegian heading and the line under it (e.g. place and scenario).
    chart_id : unique id on the page.
    y_label, x_label : what the axes count, with unit.
    fmt : number -> text for the y tick labels.
    ncols : panels per row.
    panel_height : height of one panel including its heading and year labels [px].

    Returns
    -------
    str, an ``<svg>`` element; every panel is a ``<g class="panel" data-panel=label>`` with one
    ``<polyline>`` per unbroken run of values.
    """
    xs = [int(v) for v in x] or [0]
    xmin, xmax = min(xs), max(xs)
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    head, y_head = _heading(title, subtitle)
    top = y_head + 34
    tick_font = FONT - 3
    all_ticks = [labelled_ticks(0.0, max(finite(vals) + [0.0]) or 1.0, fmt, n=3) for _, vals in panels]
    inner_left = max((len(fmt(t)) for ts in all_ticks for t in ts), default=1) * tick_font * 0.6 + 12
    cell_w = (width - 24) / ncols
    height = int(top + nrows * panel_height + 44)
    out = [_open(chart_id, width, height, _full_title(title, subtitle), desc), head,
           _text(12, top - 12, y_label, size=FONT - 1)]
    for k, ((label, vals), ticks) in enumerate(zip(panels, all_ticks)):
        r, c = divmod(k, ncols)
        cx, cy = 12 + c * cell_w, top + r * panel_height
        pl, pr = cx + inner_left, cx + cell_w - 18
        pt, pb = cy + FONT + 14, cy + panel_height - tick_font - 18
        y1 = ticks[-1] or 1.0

        def px(v, pl=pl, pr=pr):
            return pl + (0.5 if xmax == xmin else (v - xmin) / (xmax - xmin)) * (pr - pl)

        def py(v, pt=pt, pb=pb, y1=y1):
            return pb - v / y1 * (pb - pt)

        g = [f'<g class="panel" data-panel="{esc(label)}">',
             _text(pl + (pr - pl) / 2, cy + FONT, label, size=FONT - 1, anchor="middle", weight="bold")]
        for t in ticks:
            yy = py(t)
            g.append(f'<line x1="{pl:.1f}" y1="{yy:.1f}" x2="{pr:.1f}" y2="{yy:.1f}" '
                     f'stroke="{AXIS_COLOR if t == 0 else GRID_COLOR}"/>')
            g.append(_text(pl - 6, yy + tick_font * 0.35, fmt(t), size=tick_font, anchor="end"))
        g.append(_text(pl, pb + tick_font + 6, str(xmin), size=tick_font, anchor="start"))
        if xmax != xmin:
            g.append(_text(pr, pb + tick_font + 6, str(xmax), size=tick_font, anchor="end"))
        segs = _segments(xs, vals, px, py)
        for seg in segs:
            if len(seg) == 1:
                g.append(f'<circle cx="{seg[0][0]:.1f}" cy="{seg[0][1]:.1f}" r="3.5" fill="{COLORS[0]}"/>')
            else:
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in seg)
                g.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[0]}" stroke-width="3" '
                         f'stroke-linejoin="round"><title>{esc(label)}</title></polyline>')
        g.append("</g>")
        out.append("".join(g))
    out.append(_text(width / 2, height - 12, x_label, size=FONT - 1, anchor="middle"))
    out.append("</svg>")
    return "".join(out)


__all__ = ["line_chart", "bar_chart", "column_chart", "pyramid_chart", "small_multiples", "nice_ticks", "labelled_ticks", "wrap", "finite", "COLORS", "DASHES"]
