"""planmodel.analysis.batch, planmodel.present.batch and ``planmodel batch``: many kommuner on dask."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from planmodel.analysis.batch import RATIOS, aggregate, run_many, variables
from planmodel.cli import main
from planmodel.core.errors import InputError
from planmodel.inputs.kommuner import select_kommuner
from planmodel.inputs.scenario import PlanScenario, load_scenario
from planmodel.model import run
from planmodel.present.batch import ranking_chart, ranking_table, totals_table, write_batch

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "baerum_basis.yaml"
#: Utsira (1151, the smallest kommune), Herøy and Ulstein (Møre og Romsdal), two in Vestland, Bærum.
CODES = ["1151", "1515", "1516", "4601", "4602", "3201"]


@pytest.fixture(scope="module")
def scenario() -> PlanScenario:
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def serial(scenario) -> xr.Dataset:
    return run_many(scenario, CODES, scheduler="serial", chunk=4)


# ----------------------------------------------------------------------------- the run itself

def test_serial_equals_one_model_run_per_kommune(scenario, serial):
    assert serial.sizes == {"kommune": len(CODES), "year": 15}
    assert set(variables()) <= set(serial.data_vars)
    assert list(serial["feil"].values) == [""] * len(CODES)
    for code in ("1151", "3201"):
        ds = run(replace(scenario, kommune=code))
        one = serial.sel(kommune=code)
        for v in ("netto_driftsresultat", "driftsinntekter", "inndekningsbehov", "lanegjeld", "netto_driftsresultat_andel"):
            np.testing.assert_allclose(one[v].values, ds[v].values, rtol=1e-12, err_msg=f"{code} {v}")
        np.testing.assert_allclose(one["innbyggere"].values, ds["population"].sum(["age", "sex"]).values, rtol=1e-12)
        np.testing.assert_allclose(one["innbyggere_80"].values,
                                   ds["population"].sel(age=slice(80, None)).sum(["age", "sex"]).values, rtol=1e-12)
        np.testing.assert_allclose(one["tjenestekostnad"].values, ds["cost"].sum("service").values, rtol=1e-12)
    assert serial["kommune_name"].sel(kommune="1151").item() == "Utsira"
    assert serial["fylke"].sel(kommune="4601").item() == "46"


def test_units_on_every_variable(serial):
    for name, da in serial.data_vars.items():
        assert "units" in da.attrs and "long_name" in da.attrs, name
    assert serial["netto_driftsresultat"].attrs["units"] == "NOK 1000, 2025 prices"
    assert serial["innbyggere"].attrs["units"] == "persons"
    assert serial["netto_driftsresultat_andel"].attrs["numerator"] == "netto_driftsresultat"
    assert serial.attrs["price_year"] == 2025 and serial.attrs["scenario"] == "baerum_basis"


def test_lazy_dataset_is_chunked_by_kommune(scenario):
    from planmodel.analysis.batch import lazy_many

    lazy = lazy_many(scenario, CODES, chunk=4)
    assert lazy["netto_driftsresultat"].chunks == ((4, 2), (15,))
    # one task per chunk runs the model; the variables share it
    graph = dict(lazy["netto_driftsresultat"].data.__dask_graph__())
    assert sum(str(k).startswith("planmodel-batch-") for k in graph) == 2


def test_threads_equal_serial(scenario, serial):
    threads = run_many(scenario, CODES, scheduler="threads", chunk=2, workers=2)
    xr.testing.assert_identical(threads.drop_attrs(), serial.drop_attrs())


def test_distributed_cluster_in_process_equals_serial(scenario, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ds = run_many(scenario, CODES[:3], scheduler=client, chunk=1)
    xr.testing.assert_identical(ds.drop_attrs(), serial.sel(kommune=CODES[:3]).drop_attrs())


@pytest.mark.slow
def test_processes_on_a_fylke_equal_serial(scenario):
    codes = select_kommuner("Finnmark")
    dask_run = run_many(scenario, codes, scheduler="processes", workers=2)
    loop = run_many(scenario, codes, scheduler="serial")
    xr.testing.assert_identical(dask_run.drop_attrs(), loop.drop_attrs())


@pytest.mark.slow
def test_distributed_processes_equal_serial(scenario, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        ds = run_many(scenario, CODES, scheduler=cluster.scheduler_address, progress=True)
    xr.testing.assert_identical(ds.drop_attrs(), serial.drop_attrs())


@pytest.mark.slow
def test_whole_country(scenario):
    ds = run_many(scenario, select_kommuner("all"))
    assert ds.sizes["kommune"] == 357
    assert (ds["feil"] == "").all()
    fylke, land = aggregate(ds, "fylke"), aggregate(ds, "land")
    assert fylke.sizes["fylke"] == 15 and int(land["antall_kommuner"]) == 357
    np.testing.assert_allclose(fylke["driftsinntekter"].sum("fylke"), land["driftsinntekter"], rtol=1e-12)
    # the registered population 1.1.2026 of the 357 kommuner
    assert abs(float(land["innbyggere"].sel(year=2026)) - 5_640_000) < 60_000


def test_failed_kommune_is_recorded_not_fatal(scenario, monkeypatch):
    import planmodel.analysis.batch as batch

    real = batch.run

    def flaky(sc):
        if sc.kommune == "1516":
            raise ZeroDivisionError("division by zero")
        return real(sc)

    monkeypatch.setattr(batch, "run", flaky)
    ds = run_many(scenario, ["1515", "1516"], scheduler="serial")
    assert ds["feil"].sel(kommune="1515").item() == ""
    assert ds["feil"].sel(kommune="1516").item() == "ZeroDivisionError: division by zero"
    assert np.isnan(ds["netto_driftsresultat"].sel(kommune="1516")).all()
    total = aggregate(ds, "land")
    assert int(total["antall_kommuner"]) == 1 and int(total["antall_feil"]) == 1
    np.testing.assert_allclose(total["driftsinntekter"], ds["driftsinntekter"].sel(kommune="1515"))


def test_scenario_with_own_data_is_refused(scenario):
    with pytest.raises(InputError, match="egne tall"):
        run_many(replace(scenario, accounts={"net_debt": 1.0}), ["1515"], scheduler="serial")


def test_a_kommune_named_twice_is_refused(scenario):
    with pytest.raises(InputError, match="mer enn én gang"):
        run_many(scenario, ["1151", "3201", "1151"], scheduler="serial")


def test_bad_scheduler_is_refused(scenario):
    with pytest.raises(InputError, match="ukjent planlegger"):
        run_many(scenario, ["1515"], scheduler="gpu")


def test_draws_are_the_monte_carlo_of_each_kommune_with_one_seed_for_all(scenario):
    """Draw d is one world: the same seed for every kommune, each kommune's draws its own Monte Carlo."""
    from planmodel.analysis.uncertainty import simulate

    ds = run_many(scenario, ["1151", "1515"], draws=20, seed=11, scheduler="serial")
    assert ds["netto_driftsresultat"].dims == ("kommune", "year", "draw") and ds.sizes["draw"] == 20
    assert (ds["feil"] == "").all()
    for code in ("1151", "1515"):
        mc = simulate(replace(scenario, kommune=code), draws=20, seed=11)
        for name, var in (("netto_driftsresultat", "netto_driftsresultat"), ("lanegjeld", "lanegjeld"),
                          ("innbyggere", "befolkning"), ("tjenestekostnad", "tjenestekostnad")):
            np.testing.assert_allclose(ds[name].sel(kommune=code).values, mc[var].values, rtol=1e-12)
    land = aggregate(ds, "land")
    assert land["driftsinntekter"].dims == ("year", "draw")
    np.testing.assert_allclose(land["netto_driftsresultat"].values, ds["netto_driftsresultat"].sum("kommune").values)
    share = land["netto_driftsresultat"] / land["driftsinntekter"]
    np.testing.assert_allclose(land["netto_driftsresultat_andel"].values, share.values)


# ----------------------------------------------------------------------------- totals

def _two_kommuner() -> xr.Dataset:
    """Two kommuner in one fylke and one in another, hand-made numbers, one year."""
    money = {"units": "NOK 1000, 2025 prices"}
    ds = xr.Dataset(
        {"netto_driftsresultat": (("kommune", "year"), [[10.0], [30.0], [-5.0]], money),
         "driftsinntekter": (("kommune", "year"), [[100.0], [500.0], [50.0]], money),
         "inndekningsbehov": (("kommune", "year"), [[0.0], [0.0], [5.875]], money),
         "innbyggere": (("kommune", "year"), [[10.0], [40.0], [5.0]], {"units": "persons"}),
         "feil": ("kommune", ["", "", ""])},
        coords={"kommune": ["4601", "4602", "1515"], "year": [2030],
                "fylke": ("kommune", ["46", "46", "15"]), "fylke_name": ("kommune", ["Vestland", "Vestland", "Møre og Romsdal"])})
    for name in RATIOS:
        num, den, factor = RATIOS[name][:3]
        if num in ds and den in ds:
            ds[name] = (ds[num] * factor / ds[den]).assign_attrs(units=RATIOS[name][3])
    return ds


def test_shares_are_recomputed_from_sums_by_hand():
    ds = _two_kommuner()
    fylke = aggregate(ds, "fylke").sel(year=2030)
    vest = fylke.sel(fylke="46")
    assert float(vest["netto_driftsresultat"]) == 40.0 and float(vest["driftsinntekter"]) == 600.0
    # 40 / 600 = 6,67 %, not the mean of 10 % and 6 % (8 %)
    assert float(vest["netto_driftsresultat_andel"]) == pytest.approx(40 / 600, abs=1e-15)
    assert vest["fylke_name"].item() == "Vestland"
    land = aggregate(ds, "land").sel(year=2030)
    assert float(land["netto_driftsresultat_andel"]) == pytest.approx(35 / 650, abs=1e-15)
    # kr per innbygger from the sums: 5,875 NOK 1000 / 55 persons = 106,8 kr
    assert float(land["inndekningsbehov_per_innbygger"]) == pytest.approx(5875 / 55, abs=1e-12)
    assert land["netto_driftsresultat_andel"].attrs["units"] == "share of driftsinntekter"
    assert int(land["antall_kommuner"]) == 3


def test_fylke_totals_are_sums_of_kommuner_and_land_of_fylker(serial):
    fylke, land = aggregate(serial, "fylke"), aggregate(serial, "land")
    assert sorted(fylke["fylke"].values) == ["11", "15", "32", "46"]
    for v in ("netto_driftsresultat", "driftsinntekter", "lanegjeld", "innbyggere", "innbyggere_80", "arsverk"):
        by_hand = serial[v].groupby("fylke").sum()
        np.testing.assert_allclose(fylke[v].sel(fylke=by_hand["fylke"]), by_hand, rtol=1e-12, err_msg=v)
        np.testing.assert_allclose(fylke[v].sum("fylke"), land[v], rtol=1e-12, err_msg=v)
        assert fylke[v].attrs["units"] == serial[v].attrs["units"]
    np.testing.assert_allclose(land["netto_driftsresultat_andel"],
                               land["netto_driftsresultat"] / land["driftsinntekter"], rtol=1e-12)
    assert int(fylke["antall_kommuner"].sel(fylke="15")) == 2


# ----------------------------------------------------------------------------- presentation and files

def test_ranking_and_totals_tables(serial):
    table = ranking_table(serial, 2030)
    per = table["Per innbygger [kr]"]
    assert list(per) == sorted(per, reverse=True)
    assert "Inndekningsbehov [mill. kr]" in table.columns and table.attrs["year"] == 2030
    row = table[table["Kommune"] == "1151"].iloc[0]
    assert row["Navn"] == "Utsira"
    expected = 1000 * float(serial["inndekningsbehov"].sel(kommune="1151", year=2030)) / float(
        serial["innbyggere"].sel(kommune="1151", year=2030))
    assert row["Per innbygger [kr]"] == pytest.approx(round(expected), abs=0.5)
    totals = totals_table(serial, 2030)
    assert list(totals["Fylke"])[-1] == "Alle valgte kommuner" and totals["Kommuner"].iloc[-1] == len(CODES)
    with pytest.raises(InputError, match="året finnes ikke"):
        ranking_table(serial, 2050)


def test_ranking_chart_has_source(serial):
    fig = ranking_chart(serial, 2030, n=2)
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("Kilde: Statistisk sentralbyrå") for t in texts)
    assert len(fig.axes[0].patches) == 4  # top 2 and bottom 2


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_output_round_trips(serial, tmp_path, suffix):
    path = write_batch(serial, tmp_path / f"resultat{suffix}")
    back = xr.open_dataset(path, engine="zarr" if suffix == ".zarr" else None).load()
    xr.testing.assert_allclose(back[variables()], serial[variables()])
    assert list(back["feil"].values) == [""] * len(CODES)
    assert list(back["kommune"].values) == CODES
    assert back.attrs["source"].startswith("Kilde: Statistisk sentralbyrå (CC BY 4.0)")
    assert back.attrs["price_year"] == 2025 and back.attrs["planmodel_version"]
    assert "created" in back.attrs and back.attrs["scenario"] == "baerum_basis"
    assert back["netto_driftsresultat"].attrs["units"] == "NOK 1000, 2025 prices"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"resultat{suffix}"]  # no temporary left
    write_batch(serial, path)  # replacing an earlier result works
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"resultat{suffix}"]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_failed_write_leaves_no_partial_file(serial, tmp_path, monkeypatch, suffix):
    method = "to_zarr" if suffix == ".zarr" else "to_netcdf"
    real = getattr(xr.Dataset, method)

    def half_then_fail(self, target, *args, **kw):
        real(self.isel(kommune=[0]), target, *args, **kw)  # something is on disk ...
        raise RuntimeError("disk pulled out")              # ... when the write fails

    monkeypatch.setattr(xr.Dataset, method, half_then_fail)
    with pytest.raises(RuntimeError):
        write_batch(serial, tmp_path / f"ny{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_failed_zarr_write_keeps_the_old_store(serial, tmp_path, monkeypatch):
    path = write_batch(serial, tmp_path / "r.zarr")
    monkeypatch.setattr(xr.Dataset, "to_zarr", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("full")))
    with pytest.raises(RuntimeError):
        write_batch(serial.isel(kommune=[0]), path)
    assert xr.open_zarr(path).sizes["kommune"] == len(CODES)
    assert [p.name for p in tmp_path.iterdir()] == ["r.zarr"]


def test_bad_suffix_in_python(serial, tmp_path):
    with pytest.raises(InputError, match="ukjent filtype"):
        write_batch(serial, tmp_path / "r.csv")


# ----------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("args, words", [
    (["--kommuner", "Atlantis", "--out", "{tmp}/r.nc"], "ukjent kommune 'Atlantis'"),
    (["--kommuner", "99", "--out", "{tmp}/r.nc"], "ukjent fylkesnummer"),
    (["--kommuner", "1515,Atlantis", "--out", "{tmp}/r.nc"], "ukjent kommune 'Atlantis'"),
    (["--kommuner", "1515", "--out", "{tmp}/r.csv"], "ukjent filtype .csv"),
    (["--kommuner", "1515", "--out", "{tmp}/mangler/r.nc"], "finnes ikke"),
    (["--kommuner", "1515", "--out", "{tmp}/r.nc", "--scheduler", "gpu"], "ukjent planlegger"),
])
def test_cli_bad_input_is_one_line_exit_2(args, words, tmp_path, capsys):
    code = main(["batch", str(SCENARIO), *[a.replace("{tmp}", str(tmp_path)) for a in args]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("planmodel batch: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_on_a_fylke(tmp_path, capsys):
    out = tmp_path / "finnmark.nc"
    code = main(["batch", str(SCENARIO), "--kommuner", "Finnmark", "--out", str(out), "--scheduler", "serial",
                 "--aar", "2030"])
    text = capsys.readouterr().out
    assert code == 0
    assert "18 kommuner" in text and "Finnmark" in text and "De 10 største inndekningsbehovene" in text
    assert "Kilde: Statistisk sentralbyrå" in text
    ds = xr.open_dataset(out)
    assert ds.sizes["kommune"] == 18 and set(ds["fylke"].values) == {"56"}
    ds.close()


def test_select_kommuner():
    assert len(select_kommuner("all")) == len(select_kommuner("alle")) == 357
    assert select_kommuner("56") == select_kommuner("finnmark") and len(select_kommuner("Finnmark")) == 18
    assert select_kommuner("3") == select_kommuner("Oslo") == ["0301"]
    assert select_kommuner("1151, Bærum,0301,1151") == ["1151", "3201", "0301"]
    with pytest.raises(InputError, match="ukjent fylkesnummer"):
        select_kommuner("57")
