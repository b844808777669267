"""Issue 13: ``planmodel report`` with chosen tiltak that have no effect on any service (the tiltak
template allows tiltak with costs only)."""

from __future__ import annotations

from pathlib import Path

from planmodel.cli import main
from planmodel.inputs.excel_import import import_tiltak, save_library_yaml

from tests.test_excel_import import OWN, fill

ROOT = Path(__file__).resolve().parents[1]

#: The own tiltak of the template with costs but no effect on any service (the template allows it).
NO_EFFECT = {k: v for k, v in OWN.items() if k not in ("virkning på tjeneste", "type", "endring", "lav", "høy",
                                                       "forsinkelse (år)", "innfasing (år)")}


def test_report_with_tiltak_without_effects_from_a_library_of_only_such_tiltak(tmp_path, capsys):
    imp = import_tiltak(fill(tmp_path, chosen=(), own=(NO_EFFECT,)))
    assert imp.library_yaml["measures"]["kveldsteam"]["effects"] in ([], None, {})
    lib = save_library_yaml(imp.library_yaml, tmp_path / "egne.yaml")  # no tiltak in it has an effect
    text = (ROOT / "scenarios" / "baerum_basis.yaml").read_text(encoding="utf-8")
    text = text.replace("measures: []", f"library: {lib.name}\nmeasures:\n  - id: kveldsteam\n    start: 2028")
    scenario = tmp_path / "uten_virkning.yaml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "rapport.html"
    assert main(["report", str(scenario), "--out", str(out)]) == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    assert "Kveldsteam i hjemmetjenesten" in html
    assert "De valgte tiltakene har ingen virkninger på tjenestene" in html


def test_report_with_imported_tiltak_without_effects(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text((ROOT / "scenarios" / "baerum_basis.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    book = fill(tmp_path, chosen=(), own=(NO_EFFECT,))
    assert main(["tiltak", "import", str(book), "--scenario", str(scenario)]) == 0, capsys.readouterr().err
    out = tmp_path / "rapport.html"
    assert main(["report", str(scenario), "--out", str(out)]) == 0, capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    assert "De valgte tiltakene har ingen virkninger på tjenestene" in html
    assert "0 av 0" not in html
