"""Print the tables of docs/landet.md (the basis for every kommune against its 2025 accounts).

    .venv/bin/python tools/country_tables.py            # about 20 s, all 357 kommuner
    .venv/bin/python tools/country_tables.py --csv landet.csv

Every figure in docs/landet.md comes from this script (planmodel.analysis.country).
"""

from __future__ import annotations

import argparse
from collections import Counter

import pandas as pd

from planmodel.analysis.country import BAND, check_kommuner, summary
from planmodel.core.formatting import tall
from planmodel.present.country import summary_lines, write_table

SIZES = [0, 2000, 5000, 20000, 10**7]
SIZE_LABELS = ["under 2 000", "2 000–5 000", "5 000–20 000", "over 20 000"]
EXAMPLES = ["1151", "4032", "3224", "3201", "4601", "5001", "1103", "0301"]


def pct(x: float, d: int = 1) -> str:
    return tall(100 * x, d)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=None)
    args = ap.parse_args()
    t = check_kommuner()
    if args.csv:
        write_table(t, args.csv)
    lo, hi = BAND
    inside = lambda x: (x >= lo) & (x <= hi)  # noqa: E731
    print("## Sammendrag\n")
    for line in summary_lines(t):
        print(f"- {line}")
    s = summary(t)
    t["klasse"] = pd.cut(t["innbyggere_2026"], SIZES, labels=SIZE_LABELS)
    print("\n## Etter størrelse (median, % av driftsinntektene)\n")
    print("| innbyggere | n | NDR 2025 (regnskap) | 2027 | 2030 | 2040 | 2040 uten komp. | innenfor −6…10 % i 2030 |"
          " fond negativt | største investering | folketall 2040 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, g in t.groupby("klasse", observed=True):
        print(f"| {label} | {len(g)} | {pct(g.ndr_data.median())} | {pct(g.ndr_2027.median())} | "
              f"{pct(g.ndr_2030.median())} | {pct(g.ndr_2040.median())} | {pct(g.ndr_2040_uten.median())} | "
              f"{pct(inside(g.ndr_2030).mean())} % | {int((g.fond_min < 0).sum())} | {pct(g.investering_maks.max())} | "
              f"{'+' if g.befolkning_2040.median() > 0 else ''}{pct(g.befolkning_2040.median())} % |")
    d30 = t.ndr_2030 - t.ndr_data
    d40 = t.ndr_2040 - t.ndr_data
    print("\n## Endring fra regnskapet 2025 (prosentpoeng, persentil 5 / 25 / 50 / 75 / 95)\n")
    for name, d in (("til 2030", d30), ("til 2040", d40)):
        print(f"- {name}: " + " / ".join(tall(100 * d.quantile(q), 2) for q in (0.05, 0.25, 0.5, 0.75, 0.95)))
    print("\n## Utenfor −6…10 % i 2030\n")
    out = t[~inside(t.ndr_2030)].sort_values("ndr_2030")
    print("| kommune | innbyggere | NDR 2025 | 2030 | 2040 | folketall 2040 | i regnskapet også utenfor |")
    print("|---|---|---|---|---|---|---|")
    for r in out.itertuples():
        print(f"| {r.navn} ({r.kommune}) | {tall(r.innbyggere_2026)} | {pct(r.ndr_data)} | {pct(r.ndr_2030)} | "
              f"{pct(r.ndr_2040)} | {pct(r.befolkning_2040)} % | {'ja' if not inside(r.ndr_data) else 'nei'} |")
    back = t[~inside(t.ndr_data) & inside(t.ndr_2030)]
    print(f"\nUtenfor i regnskapet, innenfor i 2030: {', '.join(f'{r.navn} ({pct(r.ndr_data)} → {pct(r.ndr_2030)})' for r in back.itertuples()) or 'ingen'}.")
    print(f"I regnskapet: {int((~inside(t.ndr_data)).sum())} utenfor; i 2030: {int((~inside(t.ndr_2030)).sum())}.")
    print("\n## Eksempler\n")
    print("| kommune | NDR 2025 | 2027 | 2030 | 2040 | 2040 uten komp. | største investering | laveste fond |")
    print("|---|---|---|---|---|---|---|---|")
    for code in EXAMPLES:
        r = t[t.kommune == code].iloc[0]
        print(f"| {r.navn} ({code}) | {pct(r.ndr_data)} | {pct(r.ndr_2027)} | {pct(r.ndr_2030)} | {pct(r.ndr_2040)} | "
              f"{pct(r.ndr_2040_uten)} | {pct(r.investering_maks)} | {pct(r.fond_min)} |")
    print("\n## Største investeringsår\n")
    for r in t.sort_values("investering_maks").tail(5).itertuples():
        print(f"- {r.navn} ({r.kommune}): {pct(r.investering_maks)} % av driftsinntektene; folketall 2040 "
              f"{'+' if r.befolkning_2040 > 0 else ''}{pct(r.befolkning_2040)} %")
    print("\n## Merknader til dataene (antall kommuner per type)\n")
    c = Counter()
    for w in t.advarsel_tekst.fillna(""):
        for x in {x.split(":")[0] for x in w.split(" | ") if x}:
            c[x] += 1
    for k, v in c.most_common():
        print(f"- {k}: {v}")
    print(f"\n(kommuner med minst én merknad: {s['med_advarsler']})")


if __name__ == "__main__":
    main()
