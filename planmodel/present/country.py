"""The whole-country check in words and as a file (``planmodel sjekk --alle``).

:func:`summary_lines` turns :func:`planmodel.analysis.country.summary` into bokmål lines with
units; :func:`write_table` writes the table of :func:`planmodel.analysis.country.check_kommuner`
as CSV (UTF-8, comma, decimal point, shares as shares, money in NOK 1000), atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planmodel.analysis.country import BAND, summary
from planmodel.core.formatting import prosent, tall
from planmodel.core.io import write_text_atomic
from planmodel.core.meta import SSB_CREDIT


def summary_lines(table: pd.DataFrame) -> list[str]:
    """The country check's key figures as Norwegian sentences (one per line)."""
    s = summary(table)
    lo, hi = BAND
    p30, p40, p40u = s["ndr_2030_percentiler"], s["ndr_2040_percentiler"], s["ndr_2040_uten_percentiler"]
    lines = [
        f"Basisalternativet for {s['kommuner']} kommuner ({s['feil']} kunne ikke beregnes).",
        f"Basisåret mot regnskapet 2025: største avvik i netto driftsresultat {tall(100 * s['basis_avvik_ndr_maks'], 4)} "
        f"prosentpoeng, i frie inntekter {tall(100 * s['basis_avvik_fi_maks'], 4)} %.",
        f"Netto driftsresultat 2030 mellom {prosent(lo, 0)} og {prosent(hi, 0)} av driftsinntektene: "
        f"{prosent(s['ndr_2030_innenfor'], 1)} av kommunene (i regnskapet 2025: {prosent(s['ndr_data_innenfor'], 1)}).",
        "Netto driftsresultat 2030, persentil 5 / 25 / 50 / 75 / 95: "
        + " / ".join(prosent(p30[q], 1) for q in (0.05, 0.25, 0.5, 0.75, 0.95)) + ".",
        "Netto driftsresultat 2040 med demografikompensasjon, persentil 5 / 25 / 50 / 75 / 95: "
        + " / ".join(prosent(p40[q], 1) for q in (0.05, 0.25, 0.5, 0.75, 0.95)) + ".",
        "Netto driftsresultat 2040 uten demografikompensasjon, persentil 5 / 50 / 95: "
        + " / ".join(prosent(p40u[q], 1) for q in (0.05, 0.5, 0.95)) + ".",
        f"Største investering i ett år: {prosent(s['investering_maks'], 1)} av driftsinntektene.",
        f"Disposisjonsfondet blir negativt før horisonten i {s['fond_negativt']} kommuner "
        "(landets fondsandel 11,3 % i basisåret for alle; kommunens eget fond finnes ikke i dataene).",
        f"Kommuner med merknader til dataene: {s['med_advarsler']}.",
        f"{SSB_CREDIT} Regnskap: KOSTRA 2025 (SSB) og inntektssystemet 2025 (KDD).",
    ]
    return lines


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the country table as CSV (atomic); returns the path."""
    return write_text_atomic(path, table.to_csv(index=False, lineterminator="\n", float_format="%.10g"))
