"""Build ``ssb_07459_bergen_4601_2023-2026_jsonstat2.json`` from the population data shipped in data/.

    .venv/bin/python notebooks/data/make_bergen_07459.py

Reads Bergen's (kommunenummer 4601) 1 January 2023, 2025 and 2026 from the shipped SSB 07459
history ``data/population/kommuner_2005_2026.nc`` (Bergen has the number 4601 in the 2020–23
numbering too, and its borders did not change in 2024; its 2023 column equals the 2023 statbank
export ``data/population/kommuner_2023_2020-inndeling.csv`` cell for cell), and writes them as
one JSON-stat 2.0 dataset shaped like SSB's PxWebApi answer for table 07459 (dimensions Region,
Kjonn, Alder, ContentsCode, Tid; region code ``K-4601``; sex codes 1 = Menn, 2 = Kvinner,
listed in SSB's order 2, 1; ages ``"000"`` .. ``"104"`` and ``"105+"``; values in row-major
order). 2024 is left out on purpose: the notebook shows how planmodel fills a missing year
along the cohorts. The numbers are SSB's, unchanged (CC BY 4.0, Kilde: Statistisk sentralbyrå).
"""

from __future__ import annotations

import json
from pathlib import Path

import netCDF4
import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1] / "data" / "population" / "kommuner_2005_2026.nc"
OUT = HERE / "ssb_07459_bergen_4601_2023-2026_jsonstat2.json"
KOMMUNE = "4601"
YEARS = ("2023", "2025", "2026")


def read_rows() -> dict[tuple[str, str, int], int]:
    """{(year, sex, age): persons} for Bergen from the shipped history."""
    with netCDF4.Dataset(SOURCE) as nc:
        nc.set_auto_mask(False)
        k = int(np.flatnonzero(np.asarray(nc["kommune"][:], dtype=str) == KOMMUNE)[0])
        years = [str(y) for y in nc["year"][:]]
        sexes = [str(x) for x in nc["sex"][:]]
        persons = nc["persons"][k]  # (year, age, sex)
    assert (persons[[years.index(y) for y in YEARS]] >= 0).all()
    return {(y, sex, age): int(persons[years.index(y), age, sexes.index(sex)])
            for y in YEARS for sex in sexes for age in range(106)}


def main() -> None:
    cells = read_rows()
    years = sorted({y for y, _, _ in cells})
    assert years == ["2023", "2025", "2026"], years
    assert len(cells) == len(years) * 2 * 106
    codes = [f"{a:03d}" for a in range(105)] + ["105+"]
    labels = [f"{a} år" for a in range(105)] + ["105 år eller eldre"]
    sexes = [("2", "Kvinner", "female"), ("1", "Menn", "male")]
    # JSON-stat 2.0 stores the cube row-major in the order of "id": Region, Kjonn, Alder, ContentsCode, Tid
    values = [cells[(y, sex, age)] for _, _, sex in sexes for age in range(106) for y in years]
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
        "source": "Statistisk sentralbyrå",
        "note": ["Avledet av planmodel (notebooks/data/make_bergen_07459.py) fra SSB-tabell 07459 slik den "
                 "følger med i data/population/: Bergen (4601), 1. januar 2023, 2025 og 2026."],
        "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
        "id": ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"],
        "size": [1, 2, 106, 1, len(years)],
        "dimension": {
            "Region": {"label": "region", "category": {"index": {"K-4601": 0}, "label": {"K-4601": "Bergen"}}},
            "Kjonn": {"label": "kjønn", "category": {"index": {code: i for i, (code, _, _) in enumerate(sexes)},
                                                      "label": {code: label for code, label, _ in sexes}}},
            "Alder": {"label": "alder", "category": {"index": {c: i for i, c in enumerate(codes)},
                                                      "label": dict(zip(codes, labels))}},
            "ContentsCode": {"label": "statistikkvariabel", "category": {
                "index": {"Personer1": 0}, "label": {"Personer1": "Personer"},
                "unit": {"Personer1": {"base": "antall", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(years)},
                                                 "label": {y: y for y in years}}},
        },
        "extension": {"px": {"tableid": "07459", "decimals": 0}},
        "value": values,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {len(values)} verdier, {', '.join(years)}, "
          + ", ".join(f"{y}: {sum(v for (yy, _, _), v in cells.items() if yy == y)}" for y in years))


if __name__ == "__main__":
    main()
