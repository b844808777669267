"""Command line: ``planmodel population | backtest | sjekk | run | compare | validate | report | schema | tiltak |
mal | kommunedata | app | batch | bench | prioriter``.

Errors a user can fix are printed as one line (what was wrong and what is valid) with exit
code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planmodel.core.errors import PlanmodelError

GROUPS = ("single", "kostra")
FORMATS = ("csv", "table")
#: --priser: fixed prices of the price year, løpende priser, or fixed prices of the budget year
#: (planmodel.present.export.PRICES).
PRICES = ("fast", "lopende", "budsjettaar")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line with exit code 2."""

    _NB = (("the following arguments are required", "disse argumentene mangler"),
           ("invalid choice", "ugyldig valg"), ("choose from", "velg mellom"),
           ("unrecognized arguments", "ukjente argumenter"), ("expected one argument", "mangler verdi"),
           ("invalid int value", "ugyldig heltall"), ("one of the arguments", "ett av argumentene"),
           ("is required", "må oppgis"), ("not allowed with argument", "kan ikke brukes sammen med"),
           ("expected at least one argument", "mangler verdi"), ("argument", "argument"))

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        for en, nb in self._NB:
            message = message.replace(en, nb)
        self.exit(2, f"{self.prog}: feil: {message}\n")


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et årstall (for eksempel 2026)") from None
    if not 1900 <= y <= 2100:
        raise argparse.ArgumentTypeError(f"{y} er utenfor 1900–2100")
    return y


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et heltall") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} må være minst 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="planmodel", description="planmodel: befolkning, tjenester og økonomiplan for kommuner")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    pop = sub.add_parser("population", help="befolkningsframskriving for en kommune")
    pop.add_argument("--kommune", required=True, help="kommunenummer eller navn, f.eks. 3201 eller Bærum")
    pop.add_argument("--scenario", default="main",
                     help="main, low, high, bolig_hoy, bolig_moderat, bolig_lav, ssb_mmmm, ssb_llml, ssb_hhmh")
    pop.add_argument("--from", dest="start", type=_year, default=None,
                     help="basisår (1. januar; standard: siste registrerte år)")
    pop.add_argument("--to", dest="end", type=_year, default=2050, help="siste år (standard 2050)")
    pop.add_argument("--groups", choices=GROUPS, default="single", help="ettårig alder eller KOSTRA-grupper")
    pop.add_argument("--format", choices=FORMATS, default="csv")
    pop.add_argument("--base-file", type=Path, default=None,
                     help="egen befolkningsfil fra SSB (JSON-stat 2.0 eller statbank-CSV, tabell 07459) som basis")

    bt = sub.add_parser("backtest", help="tilbakeskriving: framskriv alle kommuner fra tidligere år og "
                                         "sammenlign med registrert befolkning og naive metoder")
    bt.add_argument("--origin", type=_year, nargs="+", default=None,
                    help="utgangsår, ett eller flere (standard: 2011 2014 2016)")
    bt.add_argument("--horizon", type=_count, default=10, help="antall år fram (standard 10)")
    bt.add_argument("--sample", type=_count, default=None,
                    help="bare et fast utvalg på om lag N kommuner, like mange fra hver størrelsesklasse (raskere)")
    bt.add_argument("--groups", choices=("total", "kostra"), default="total",
                    help="totalt etter størrelsesklasse (standard) eller etter KOSTRA-aldersgruppe")

    chk = sub.add_parser("sjekk", help="kjør basisalternativet for kommunene og kontroller det mot regnskapet 2025")
    who = chk.add_mutually_exclusive_group(required=True)
    who.add_argument("--alle", action="store_true", help="alle kommunene")
    who.add_argument("--kommune", nargs="+", help="bare disse kommunene (nummer eller navn)")
    chk.add_argument("--out", type=Path, default=None, help="skriv tabellen (én rad per kommune) til en .csv-fil")

    runp = sub.add_parser("run", help="kjør en scenariofil")
    runp.add_argument("scenario", type=Path, help="scenariofil (YAML), for eksempel scenarios/baerum_basis.yaml")
    runp.add_argument("--out", type=Path, default=None,
                      help="skriv resultatet til .xlsx (Excel), .csv (lang tabell) eller .nc (netCDF)")
    runp.add_argument("--priser", choices=PRICES, default="fast",
                      help="beløp i faste 2025-priser (standard), løpende priser eller faste priser i budsjettåret "
                           "(budsjettaar; begge med kjøringens deflator) i tabellen, .xlsx og .csv")

    cmp = sub.add_parser("compare", help="sammenlign scenariofiler")
    cmp.add_argument("scenarios", type=Path, nargs="+", help="to eller flere scenariofiler; den første er basis")
    cmp.add_argument("--out", type=Path, default=None,
                     help="skriv sammenligningen til .xlsx (Excel: ett økonomiplanark per scenario og et "
                          "sammenligningsark) eller .csv (lang tabell)")
    cmp.add_argument("--priser", choices=PRICES, default="fast",
                     help="beløp i faste 2025-priser (standard), løpende priser eller faste priser i budsjettåret "
                          "(budsjettaar; begge med kjøringens deflator)")
    cmp.add_argument("--variable", default="netto_driftsresultat_andel",
                     help="variabel i tabellen på skjermen (standard: netto_driftsresultat_andel)")

    val = sub.add_parser("validate", help="kontroller scenariofiler uten å kjøre dem")
    val.add_argument("scenarios", type=Path, nargs="+")

    rep = sub.add_parser("report", help="skriv et notat til politikerne (selvstendig HTML)")
    rep.add_argument("scenario", type=Path, help="scenariofil (YAML), for eksempel scenarios/baerum_krisepakke.yaml")
    rep.add_argument("--out", type=Path, default=Path("rapport.html"), help="HTML-filen som skrives (standard: rapport.html)")

    app = sub.add_parser("app", help="start en Voilà-app på 127.0.0.1")
    app.add_argument("name", nargs="?", default="krisekompasset",
                     help="appens navn: krisekompasset (standard), okonomiplan eller befolkning")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--no-browser", action="store_true", help="ikke åpne nettleseren")
    app.add_argument("--elever", type=int, default=None,
                     help="hvor mange som åpner appen omtrent samtidig, f.eks. en klasse (1–100; standard 1). "
                          "Så mange økter (høyst 10) gjøres klare på forhånd, så de første slipper å vente på at "
                          "appen regnes ut. Hver åpen side og hver økt i reserve bruker om lag 170 MB minne: "
                          "30 elever trenger om lag (30 + 10) × 170 MB ≈ 7 GB")
    app.add_argument("--pool", type=int, default=None,
                     help="antall økter som gjøres klare på forhånd (1–30; standard: som --elever, høyst 10). "
                          "Elever utover dette venter til en ny økt har startet (målt på 2 kjerner: 30–40 s). "
                          "Hver økt i reserve holder om lag 170 MB minne")

    sch = sub.add_parser("schema", help="JSON Schema for scenariofiler (for redigering med kontroll mens du skriver)")
    sch.add_argument("--out", type=Path, default=None, help="skriv skjemaet til en .json-fil i stedet for skjermen")

    kd = sub.add_parser("kommunedata", help="arbeidsbok med kommunens tall til utfylling i Excel, og import av den",
                        description="planmodel kommunedata <kommune> --out k.xlsx   skriver arbeidsboken;  "
                                    "planmodel kommunedata import k.xlsx --out s.yaml   lager et scenario av den")
    kd.add_argument("what", nargs="+", metavar="kommune | import FIL",
                    help="kommunenummer eller -navn; eller «import» og arbeidsboken som skal leses")
    kd.add_argument("--out", type=Path, required=True,
                    help="arbeidsboken som skrives (.xlsx), eller scenariofilen ved import (.yaml)")
    kd.add_argument("--scenario", type=Path, default=None,
                    help="fyll kolonnen «Egen verdi» fra denne scenariofilen (samme kommune)")

    tk = sub.add_parser("tiltak", help="tiltak fra Excel: skriv tiltaksmalen eller les den inn i et scenario")
    tks = tk.add_subparsers(dest="tiltak_command", required=True, parser_class=_Parser)
    tmal = tks.add_parser("mal", help="skriv tiltaksmalen (Excel) til en fil")
    tmal.add_argument("--out", type=Path, required=True, help="Excel-filen som skrives (.xlsx)")
    tmal.add_argument("--scenario", type=Path, default=None,
                      help="scenariofil: malen får scenarioets tiltaksbibliotek og kommunens delmål (standard: "
                           "biblioteket som følger med og Bærums målstruktur)")
    timp = tks.add_parser("import", help="les en utfylt tiltaksmal inn i et scenario (egne tiltak og valgte tiltak)")
    timp.add_argument("workbook", type=Path, help="utfylt tiltaksmal (.xlsx)")
    timp.add_argument("--scenario", type=Path, required=True, help="scenariofilen som får tiltakene (YAML)")

    mal = sub.add_parser("mal", help="målstruktur (kommuneplanens hovedmål, hovedgrep og delmål)")
    mals = mal.add_subparsers(dest="mal_command", required=True, parser_class=_Parser)
    ny = mals.add_parser("ny", help="skriv en tom målstruktur med ett eksempel på hvert nivå")
    ny.add_argument("--out", type=Path, required=True, help="YAML-filen som skrives, for eksempel mal.yaml")
    ny.add_argument("--kommune", default=None, help="kommunenummer eller navn som skrives i filen")

    bat = sub.add_parser("batch", help="kjør et scenario for mange kommuner (alle, et fylke eller en liste) med dask",
                         description="Kjører scenarioet for hver kommune (bare kommunen byttes), med fylkes- og "
                                     "landstotaler og en rangering av inndekningsbehovet. Se docs/batch.md.")
    bat.add_argument("scenario", type=Path, help="scenariofil (YAML) uten kommunens egne tall, for eksempel "
                                                 "scenarios/baerum_basis.yaml")
    bat.add_argument("--kommuner", required=True,
                     help="all (alle 357), et fylke (nummer eller navn, f.eks. 46 eller Vestland) eller en liste "
                          "med kommunenummer eller -navn skilt med komma (f.eks. 1515,3201,Oslo)")
    bat.add_argument("--draws", type=_count, default=None, help="antall Monte Carlo-trekk per kommune")
    bat.add_argument("--seed", type=int, default=0, help="frø for trekkene (standard 0)")
    bat.add_argument("--scheduler", default="processes",
                     help="processes (standard: én prosess per kjerne), threads, serial, eller adressen til en "
                          "dask-klynge, f.eks. tcp://vert:8786")
    bat.add_argument("--out", type=Path, required=True, help="resultatfilen: .nc (netCDF) eller .zarr (mappe)")
    bat.add_argument("--aar", type=_year, default=None,
                     help="året tabellene på skjermen viser (standard: 2030, siste år i økonomiplanen)")

    bench = sub.add_parser("bench", help="mål hastighet (benchmark)")
    bench.add_argument("--json", action="store_true", help="ett JSON-objekt per linje")
    bench.add_argument("--quick", action="store_true", help="færre gjentakelser (lasttesten med 2 økter)")
    bench.add_argument("--elever", type=int, default=None,
                       help="bare lasttesten: så mange økter åpner Krisekompasset samtidig i en nettleser "
                            "(standard i full kjøring: 10)")

    pri = sub.add_parser("prioriter", help="foreslå tiltakspakken som dekker inndekningsbehovet billigst "
                                           "(eller gir mest for et budsjett)")
    pri.add_argument("scenario", type=Path, help="scenariofil (YAML); tiltakene i den byttes ut med pakken")
    pri.add_argument("--maal", choices=("kostnad", "effekt"), default="kostnad",
                     help="kostnad: billigste pakke som dekker inndekningsbehovet hvert år (standard); "
                          "effekt: mest virkning på netto driftsresultat innen grensene")
    pri.add_argument("--aar", choices=("plan", "horisont"), default="plan",
                     help="årene som skal dekkes: økonomiplanen (standard) eller fram til horisonten")
    pri.add_argument("--budsjett", type=_amount, default=None, help="tak på tiltakenes driftskostnad per år (1000 kr)")
    pri.add_argument("--aarsverk", type=_amount, default=None,
                     help="tak på endringen i årsverk per år (årsverk; 0 = ingen flere årsverk)")
    pri.add_argument("--investering", type=_amount, default=None, help="investeringsramme for perioden (1000 kr)")
    pri.add_argument("--ikke-darligere", action="store_true",
                     help="pakken må ikke gi flere med udekket behov eller flere som venter på plass noe år")
    pri.add_argument("--sannsynlighet", type=_share, default=None,
                     help="dekk gapet i minst denne andelen av Monte Carlo-trekkene (for eksempel 0.9)")
    pri.add_argument("--trekk", type=_count, default=400, help="antall Monte Carlo-trekk med --sannsynlighet "
                                                                    "(standard 400)")
    pri.add_argument("--ut", type=Path, default=None, help="skriv tabellen til en .csv-fil")
    return p


def _amount(text: str) -> float:
    import math

    try:
        v = float(text.replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et tall") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et endelig tall")
    return v


def _share(text: str) -> float:
    v = _amount(text)
    if not 0.0 < v <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: forventet en andel over 0 og høyst 1 (for eksempel 0.9)")
    return v


def cmd_population(args: argparse.Namespace) -> int:
    from planmodel.core.ages import to_kostra_groups
    from planmodel.population.demography import project_kommune

    base_population = None
    if args.base_file is not None:
        from planmodel.inputs.kommuner import resolve_kommune
        from planmodel.inputs.readers import read_population

        base_population = read_population(args.base_file, kommune=resolve_kommune(args.kommune).code)
    pop = project_kommune(args.kommune, args.scenario, end_year=args.end, base_year=args.start,
                          base_population=base_population)
    if args.groups == "kostra":
        pop = to_kostra_groups(pop)
        df = pop.to_dataframe(name="persons").reset_index()[["year", "age_group", "sex", "persons"]]
    else:
        df = pop.to_dataframe(name="persons").reset_index()[["year", "age", "sex", "persons"]]
    df["persons"] = df["persons"].round(1)
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        key = "age_group" if args.groups == "kostra" else "age"
        wide = df.pivot_table(index=key, columns="year", values="persons", aggfunc="sum", sort=False)
        wide = wide.rename_axis(index="aldersgruppe" if key == "age_group" else "alder", columns="år")
        print(f"{pop.attrs['kommune_name']} ({pop.attrs['kommune']}), {pop.attrs['scenario_label']} — personer")
        print(wide.round(0).astype(int).to_string())
        print(f"Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0, og {pop.attrs['sources']}; bearbeidet av planmodel.")
    return 0


_METHOD_LABELS = {"engine": "planmodel", "constant": "konstant", "linear": "lineær trend", "geometric": "vekstrate"}
_SIZE_LABELS = {"<2 000": "under 2 000", "2 000–5 000": "2 000–5 000", "5 000–20 000": "5 000–20 000",
                ">20 000": "over 20 000", "all": "alle"}


def cmd_backtest(args: argparse.Namespace) -> int:
    from planmodel.core.errors import InputError
    from planmodel.core.formatting import tall
    from planmodel.inputs import data
    from planmodel.population import backtest as bt

    if args.horizon > 20:
        raise InputError("--horizon", str(args.horizon), "horisonten kan være høyst 20 år (dataene dekker 2006–2026)")
    first, last = bt.valid_origins(args.horizon)
    if first > last:
        raise InputError("--horizon", str(args.horizon), f"for lang: ingen utgangsår har {bt.NAIVE_YEARS} år "
                         f"historie før og {args.horizon} år registrert etter")
    origins = sorted(set(args.origin or bt.ORIGINS))
    for o in origins:
        if not first <= o <= last:
            raise InputError("--origin", str(o), f"med horisont {args.horizon} år må utgangsåret ligge i {first}–{last}")
    n_all = data.all_kommuner_population().sizes["kommune"]
    if args.sample is not None and not 4 <= args.sample <= n_all:
        raise InputError("--sample", str(args.sample), f"utvalget må ha 4–{n_all} kommuner")
    kommuner = None if args.sample is None else bt.sample_kommuner(args.sample)
    df = bt.run(origins, (args.horizon,), kommuner=kommuner)
    n_k = df["kommune"].nunique()
    years = ", ".join(map(str, origins[:-1])) + (" og " if len(origins) > 1 else "") + str(origins[-1])
    print(f"Tilbakeskriving av befolkningen: {n_k} kommuner{' (fast utvalg)' if kommuner is not None else ''}, "
          f"utgangsår {years}, {args.horizon} år fram")
    print("Absolutt avvik fra registrert folketall 1. januar, prosent: median / 90-persentil")
    methods = list(bt.METHODS)
    cell = lambda r: f"{tall(r['median'], 1):>5} / {tall(r['p90'], 1):>5}"  # noqa: E731
    if args.groups == "kostra":
        t = bt.group_table(df, args.horizon)
        head = f"{'aldersgruppe':<14}" + "".join(f"{_METHOD_LABELS[m]:>16}" for m in methods)
        lines = [head] + [f"{g:<14}" + "".join(f"{cell(t.loc[(g, m)]):>16}" for m in methods)
                          for g in dict.fromkeys(t.index.get_level_values(0))]
        print("\n".join(lines))
    else:
        t = bt.table(df, args.horizon)
        head = f"{'innbyggere':<14}{'n':>6}" + "".join(f"{_METHOD_LABELS[m]:>16}" for m in methods)
        lines = [head]
        for size in dict.fromkeys(t.index.get_level_values(0)):
            lines.append(f"{_SIZE_LABELS[size]:<14}{int(t.loc[(size, 'engine'), 'n']):>6}"
                         + "".join(f"{cell(t.loc[(size, m)]):>16}" for m in methods))
        print("\n".join(lines))
        beats = bt.score(df, args.horizon)["beats"]
        for i, what in enumerate(("medianen", "90-persentilen")):
            lost = [_SIZE_LABELS[s] for s, b in beats.items() if not b[i]]
            print(f"planmodel slår beste naive metode på {what} i "
                  + ("alle størrelsesklasser." if not lost else f"alle størrelsesklasser unntatt {', '.join(lost)}."))
        print("n = kommuner × utgangsår; innbyggere ved utgangsåret.")
    print(f"Naive metoder: konstant folketall, og lineær trend og vekstrate fra de siste {bt.NAIVE_YEARS} årene. "
          "planmodel bruker bare data fram til utgangsåret, også for de nasjonale banene (trend).")
    print("Kilde: Statistisk sentralbyrå (SSB), tabell 07459, CC BY 4.0; beregning: planmodel.")
    return 0


OUT_FORMATS = (".xlsx", ".csv", ".nc")
#: Most problems listed one by one on the terminal; the rest are counted ("… og N til").
MAX_LISTED = 20


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except (OSError, ValueError):
        return False


def _check_in(*paths: Path | None) -> None:
    """Input files named on the command line: no NUL byte in the name (the file itself is
    checked by its reader: exists, a regular file, UTF-8)."""
    from planmodel.core.errors import InputError

    for path in paths:
        if path is not None and "\0" in str(path):
            raise InputError(str(path).replace("\0", "\\0"), "", "filnavnet inneholder et nulltegn (\\0)")


def _check_out(path: Path | None, allowed=OUT_FORMATS, inputs=()) -> None:
    """The file ``--out`` names: a known type, in a folder that exists, not a folder itself,
    and never one of the command's input files (it would be overwritten)."""
    from planmodel.core.errors import InputError

    if path is None:
        return
    if "\0" in str(path):
        raise InputError("--out", str(path).replace("\0", "\\0"), "filnavnet inneholder et nulltegn (\\0)")
    if path.is_dir():
        raise InputError("--out", str(path), f"{path} er en mappe; oppgi et filnavn, for eksempel {path / ('resultat' + allowed[0])}")
    if path.suffix.lower() not in allowed:
        raise InputError("--out", str(path), f"ukjent filtype {path.suffix or '(ingen)'}; bruk {', '.join(allowed)}")
    if not path.parent.exists():
        raise InputError("--out", str(path), f"mappen {path.parent} finnes ikke")
    if not path.parent.is_dir():
        raise InputError("--out", str(path), f"{path.parent} er ikke en mappe")
    if path.exists() and not path.is_file():
        raise InputError("--out", str(path), "dette er ikke en vanlig fil (men for eksempel en enhet); oppgi en fil")
    for src in inputs:
        if src is not None and _same_file(path, Path(src)):
            raise InputError("--out", str(path), f"er en av inndatafilene ({src}) og ville blitt overskrevet; "
                                                 "skriv til en annen fil")


def cmd_sjekk(args: argparse.Namespace) -> int:
    from planmodel.analysis.country import check_kommuner
    from planmodel.inputs.kommuner import resolve_kommune
    from planmodel.present.country import summary_lines, write_table

    _check_out(args.out, (".csv",))
    codes = None if args.alle else [resolve_kommune(k).code for k in args.kommune]
    table = check_kommuner(codes)
    print("\n".join(summary_lines(table)))
    failed = table[table["feil"] != ""]
    for row in list(failed.itertuples())[:MAX_LISTED]:
        print(f"Kunne ikke beregne {row.kommune}: {row.feil}")
    if len(failed) > MAX_LISTED:
        print(f"… og {len(failed) - MAX_LISTED} til" + (" (alle står i tabellen)" if args.out is not None else
                                                       " (skriv alle til en tabell med --out)"))
    if args.out is not None:
        print(f"Tabellen er skrevet til {write_table(table, args.out)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from planmodel.core.errors import InputError
    from planmodel.model.chain import assemble, prepare
    from planmodel.inputs.scenario import load_scenario

    _check_in(args.scenario)
    _check_out(args.out, inputs=(args.scenario,))
    scenario = load_scenario(args.scenario)
    _check_out(args.out, inputs=_scenario_files(scenario))
    prepared = prepare(scenario)  # once: the gains per tiltak below reuse it
    ds = assemble(prepared)
    if args.out is not None:
        from planmodel.analysis.samordning import with_measure_gains
        from planmodel.present import export

        suffix = args.out.suffix.lower()
        if suffix in (".xlsx", ".csv"):
            shown = with_measure_gains(ds, prepared)
        if suffix == ".xlsx":
            export.write_excel(shown, args.out, scenario_text=args.scenario.read_text(encoding="utf-8"),
                               scenario_path=str(args.scenario), scenario=scenario, priser=args.priser)
        elif suffix == ".csv":
            export.write_csv(shown, args.out, priser=args.priser)
        else:
            if args.priser != "fast":
                raise InputError("--priser", args.priser, "netCDF-filen har alltid faste priser; bruk .xlsx eller .csv")
            export.write_netcdf(ds, args.out)
        print(f"planmodel run: skrev {args.out}")
        return 0
    from planmodel.present.export import in_prices

    print(_summary(in_prices(ds, args.priser)))
    for w in ds.plan.warnings:  # e.g. out-migration cut at the population: never silent
        print(f"planmodel run: merknad: {w}", file=sys.stderr)
    return 0


def _scenario_files(scenario) -> list[str]:
    """Every file a scenario reads: the chain of scenario files, catalogue, library, goals,
    own population file."""
    return [*scenario.chain, *(f for f in (scenario.catalogue, scenario.library, scenario.goals,
                                           scenario.base_population) if f)]


def _summary(ds) -> str:
    """A short økonomiplan summary for the terminal (mill. kr, in the prices of ``ds``)."""
    from planmodel.core.formatting import tall
    from planmodel.present.export import price_text

    years = ds.plan.years + [ds.plan.horizon]
    rows = [("Frie inntekter", "frie_inntekter", 1e-3), ("Netto driftsutgifter, sektorene", "netto_driftsutgifter_sektorer", 1e-3),
            ("Netto driftsresultat", "netto_driftsresultat", 1e-3), ("Netto driftsresultat, %", "netto_driftsresultat_andel", 100.0),
            ("Inndekningsbehov", "inndekningsbehov", 1e-3), ("Handlingsrom", "handlingsrom", 1e-3)]
    head = f"{ds.attrs['kommune_name']} ({ds.attrs['kommune']}): {ds.attrs['scenario_title']} — " \
           f"mill. kr i {price_text(ds)}, økonomiplan {ds.attrs['plan_period']}"
    lines = [head, f"{'':34}" + "".join(f"{y:>11}" for y in years)]
    for label, var, f in rows:
        vals = ds[var].sel(year=years).values * f
        lines.append(f"{label:34}" + "".join(f"{tall(v, 1):>11}" for v in vals))
    lines.append("Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0; KOSTRA 2025; planmodels forutsetninger (se attrs).")
    return "\n".join(lines)


def cmd_compare(args: argparse.Namespace) -> int:
    from planmodel.analysis.compare import as_scenario, compare, compare_table

    from planmodel.core.errors import InputError
    from planmodel.core.schema import listing

    _check_in(*args.scenarios)
    _check_out(args.out, (".xlsx", ".csv"), inputs=args.scenarios)
    if len(args.scenarios) < 2:
        raise InputError("compare", "scenarier", f"fikk én scenariofil ({args.scenarios[0]}); oppgi to eller flere "
                                                 "(den første er basis), eller bruk planmodel run for én")
    scenarios = [as_scenario(s) for s in args.scenarios]
    _check_out(args.out, (".xlsx", ".csv"), inputs=[f for s in scenarios for f in _scenario_files(s)])
    cmp = compare(scenarios, measure_gains=args.out is not None)
    if args.out is not None:
        from planmodel.present import export

        if args.out.suffix.lower() == ".xlsx":
            export.write_excel(cmp, args.out, scenario={s.id: s for s in scenarios}, priser=args.priser)
        else:
            export.write_csv(cmp, args.out, priser=args.priser)
        print(f"planmodel compare: skrev {args.out}")
        return 0
    from planmodel.present.export import in_prices

    from planmodel.core.formatting import tall

    shown = in_prices(cmp, args.priser)
    tables = sorted(v for v, da in shown.data_vars.items()
                    if set(da.dims) == {"scenario", "year"} and not v.startswith("diff_"))
    if args.variable in shown.data_vars and args.variable not in tables:
        extra = [d for d in shown[args.variable].dims if d not in ("scenario", "year")]
        raise InputError("--variable", args.variable,
                         f"har flere dimensjoner ({', '.join(extra)} i tillegg til scenario og år) og kan ikke vises som "
                         f"én tabell; velg en av: {listing(tables, 40)}, eller bruk --out for alt")
    if args.variable not in shown.data_vars:
        raise InputError("--variable", args.variable, f"ukjent variabel; velg en av: {listing(tables, 40)}")
    table = compare_table(shown, args.variable)
    decimals = 2 if table.attrs["units"] == "prosent" else 1
    print(f"{table.attrs['title']} ({table.attrs['units']})")
    print(table.map(lambda x: tall(x, decimals)).to_string())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from planmodel.core.errors import PlanmodelError
    from planmodel.inputs.scenario import load_scenario

    bad = 0
    for path in args.scenarios:
        try:
            _check_in(path)
            s = load_scenario(path)
        except PlanmodelError as exc:
            print(f"FEIL {exc}", file=sys.stderr)
            bad += 1
        else:
            print(f"OK   {path}: {s.title}")
    return 2 if bad else 0


def cmd_report(args: argparse.Namespace) -> int:
    from planmodel.present.report import write_report

    _check_in(args.scenario)
    _check_out(args.out, (".html", ".htm"), inputs=(args.scenario,))
    out = write_report(args.scenario, args.out)
    print(f"planmodel report: notatet er skrevet til {out}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from planmodel.core.io import write_text_atomic
    from planmodel.inputs.scenario import scenario_json_schema

    _check_out(args.out, (".json",))
    text = json.dumps(scenario_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.out, text)
        print(f"planmodel schema: skrev {args.out}")
    return 0


def cmd_tiltak(args: argparse.Namespace) -> int:
    from planmodel.inputs import excel_import

    if args.tiltak_command == "mal":
        from planmodel.present.export import save_workbook

        _check_out(args.out, (".xlsx",), inputs=(args.scenario,))
        if args.scenario is None:
            wb = excel_import.build_template()
        else:
            from planmodel.inputs.catalogue import load_catalogue
            from planmodel.inputs.goals import scenario_goals
            from planmodel.inputs.scenario import load_scenario

            s = load_scenario(args.scenario)
            goals = scenario_goals(s)
            wb = excel_import.build_template(load_catalogue(s.catalogue), s.library,
                                             goals if goals is not None else False)
        save_workbook(wb, args.out)
        print(f"planmodel tiltak mal: skrev {args.out}")
        return 0
    from planmodel.core.errors import InputError

    _check_in(args.workbook, args.scenario)
    if _same_file(args.workbook, args.scenario):
        raise InputError("--scenario", str(args.scenario), "er den samme filen som arbeidsboken; oppgi scenariofilen (YAML)")
    done = excel_import.import_into_scenario(args.workbook, args.scenario)
    own = ", ".join(done.own) or "ingen"
    print(f"planmodel tiltak import: {len(done.chosen)} tiltak i {done.scenario} (measures); "
          f"egne tiltak ({own}) i {done.library}")
    if done.replaced:
        print(f"Erstattet fra forrige innlesing: {', '.join(done.replaced)}")
    print(f"Kjør scenarioet med: planmodel run {done.scenario}")
    return 0


def cmd_mal(args: argparse.Namespace) -> int:
    from planmodel.inputs.goals import write_goals_template

    _check_out(args.out, (".yaml", ".yml"))
    code, name = "0000", None
    if args.kommune is not None:
        from planmodel.inputs.kommuner import resolve_kommune

        k = resolve_kommune(args.kommune)
        code, name = k.code, k.name
    path = write_goals_template(args.out, code, name)
    print(f"planmodel mal ny: skrev {path}; pek på den fra scenarioet med goals: {path.name}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from planmodel.apps import launch, pool_for

    pool = pool_for(1 if args.elever is None else args.elever)
    if args.pool is not None:
        pool = args.pool
    return launch(args.name, port=args.port, open_browser=not args.no_browser, pool=pool, elever=args.elever)


def cmd_kommunedata(args: argparse.Namespace) -> int:
    from planmodel.core.errors import InputError

    if args.what[0] == "import":
        from planmodel.inputs.kommunedata import import_kommunedata, write_scenario

        if len(args.what) != 2:
            raise InputError("argument", "import", "oppgi én arbeidsbok: planmodel kommunedata import k.xlsx --out s.yaml")
        _check_in(Path(args.what[1]), args.out)
        if _same_file(args.out, Path(args.what[1])):
            raise InputError("--out", str(args.out), f"er arbeidsboken som leses ({args.what[1]}) og ville blitt "
                                                     "overskrevet; skriv til en .yaml-fil")
        if args.out.is_dir():
            raise InputError("--out", str(args.out), f"{args.out} er en mappe; oppgi et filnavn, for eksempel "
                                                     f"{args.out / 'scenario.yaml'}")
        out, pop = write_scenario(import_kommunedata(args.what[1]), args.out)
        print(f"planmodel kommunedata: skrev {out}" + (f" og {pop}" if pop else ""))
        print(f"Kjør det med: planmodel run {out}")
        return 0
    if len(args.what) != 1:
        raise InputError("argument", "kommune", "oppgi én kommune, for eksempel: planmodel kommunedata 3201 --out baerum.xlsx")
    _check_out(args.out, (".xlsx",), inputs=(args.scenario,))
    from planmodel.present.kommunedata import write_kommunedata

    scenario = None
    if args.scenario is not None:
        from planmodel.inputs.scenario import load_scenario

        scenario = load_scenario(args.scenario)
    write_kommunedata(args.what[0], args.out, scenario)
    print(f"planmodel kommunedata: skrev {args.out}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    import time

    from planmodel.analysis.batch import run_many
    from planmodel.core.errors import InputError
    from planmodel.inputs.kommuner import select_kommuner
    from planmodel.inputs.scenario import load_scenario
    from planmodel.present.batch import BATCH_FORMATS, format_table, ranking_table, totals_table, write_batch

    _check_in(args.scenario)
    if args.out.suffix.lower() not in BATCH_FORMATS:
        raise InputError("--out", str(args.out), f"ukjent filtype {args.out.suffix or '(ingen)'}; bruk "
                                                 f"{', '.join(BATCH_FORMATS)}")
    if args.out.suffix.lower() == ".nc":
        _check_out(args.out, (".nc",), inputs=(args.scenario,))
    elif not args.out.parent.is_dir():
        raise InputError("--out", str(args.out), f"mappen {args.out.parent} finnes ikke")
    codes = select_kommuner(args.kommuner)
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    ds = run_many(scenario, codes, draws=args.draws, seed=args.seed, scheduler=args.scheduler, progress=True)
    seconds = time.perf_counter() - t0
    write_batch(ds, args.out)
    failed = ds["feil"].values != ""
    print(f"planmodel batch: {scenario.title}: {len(codes)} kommuner"
          + (f" × {args.draws} trekk" if args.draws else "") + f" på {seconds:.1f} s ({ds.attrs['scheduler']}); "
          f"skrev {args.out}")
    totals = totals_table(ds, args.aar)
    year = totals.attrs["year"]
    median = " – medianen over trekkene" if args.draws else ""
    print(f"\nFylkene og landet {year} (faste {scenario.price_year}-kroner; andeler regnet av summene{median}):")
    print(format_table(totals.set_index("Fylke")))
    ranking = ranking_table(ds, year)
    print(f"\nDe 10 største inndekningsbehovene per innbygger {year}{median}:")
    print(format_table(ranking.head(10)))
    for code, message in list(zip(ds["kommune"].values[failed], ds["feil"].values[failed]))[:MAX_LISTED]:
        print(f"Kunne ikke beregne {code}: {message}")
    if failed.sum() > MAX_LISTED:
        print(f"… og {int(failed.sum()) - MAX_LISTED} til (variabelen feil i {args.out})")
    print("Kilde: Statistisk sentralbyrå (CC BY 4.0); KOSTRA 2025 og inntektssystemet 2025; beregning: planmodel.")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from planmodel.bench import main as bench_main

    if args.elever is not None:
        from planmodel.apps import pool_for

        pool_for(args.elever)  # the same limits as planmodel app --elever
    return bench_main(json_lines=args.json, quick=args.quick, elever=args.elever)


def cmd_prioriter(args: argparse.Namespace) -> int:
    from planmodel.analysis.prioritering import prioritize
    from planmodel.core.formatting import tall
    from planmodel.core.io import write_text_atomic
    from planmodel.inputs.scenario import load_scenario

    _check_in(args.scenario)
    _check_out(args.ut, allowed=(".csv",), inputs=(args.scenario,))
    scenario = load_scenario(args.scenario)
    p = prioritize(scenario, objective={"kostnad": "min_cost", "effekt": "max_effect"}[args.maal],
                   years={"plan": "plan", "horisont": "horizon"}[args.aar], budget=args.budsjett,
                   fte_cap=args.aarsverk, investment_budget=args.investering, no_worse_offer=args.ikke_darligere,
                   probability=args.sannsynlighet, draws=args.trekk)
    table = p.table()
    if args.ut is not None:
        write_text_atomic(args.ut, table.to_csv(lineterminator="\n"))
        print(f"planmodel prioriter: skrev {args.ut}")
    print(p.explanation())
    print()

    def cell(v) -> str:
        if isinstance(v, str):
            return v
        if v != v:  # NaN: no cost and no gain
            return "–"
        return "gratis" if v == float("inf") else tall(v, 1 if abs(v) < 100 else 0)

    shown = table.drop(columns=["Tiltak"]).map(cell)
    print(shown.set_axis(table["Tiltak"].str.slice(0, 48), axis=0).rename_axis("Tiltak").to_string())
    print()
    print(p.constraints_table().map(cell).to_string(index=False))
    print()
    print(p.years_table().map(cell).to_string())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (code 2) and --help (code 0), already printed
        return int(exc.code or 0)
    handler = {"population": cmd_population, "backtest": cmd_backtest, "sjekk": cmd_sjekk, "run": cmd_run, "compare": cmd_compare, "validate": cmd_validate,
               "report": cmd_report, "schema": cmd_schema, "tiltak": cmd_tiltak, "mal": cmd_mal, "app": cmd_app,
               "kommunedata": cmd_kommunedata, "batch": cmd_batch,
               "bench": cmd_bench, "prioriter": cmd_prioriter}[args.command]
    try:
        return handler(args)
    except PlanmodelError as exc:
        print(f"planmodel {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":
    sys.exit(main())
