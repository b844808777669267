"""Command line: ``planmodel population | app | bench``.

Errors a user can fix are printed as one line (what was wrong and what is valid) with exit
code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import PlanmodelError

GROUPS = ("single", "kostra")
FORMATS = ("csv", "table")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line with exit code 2."""

    _NB = (("the following arguments are required", "disse argumentene mangler"),
           ("invalid choice", "ugyldig valg"), ("choose from", "velg mellom"),
           ("unrecognized arguments", "ukjente argumenter"), ("expected one argument", "mangler verdi"),
           ("invalid int value", "ugyldig heltall"), ("argument", "argument"))

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

    app = sub.add_parser("app", help="start en Voilà-app på 127.0.0.1")
    app.add_argument("name", nargs="?", default="befolkning", help="appens navn (standard: befolkning)")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--no-browser", action="store_true", help="ikke åpne nettleseren")

    bench = sub.add_parser("bench", help="mål hastighet (benchmark)")
    bench.add_argument("--json", action="store_true", help="ett JSON-objekt per linje")
    bench.add_argument("--quick", action="store_true", help="færre gjentakelser")
    return p


def cmd_population(args: argparse.Namespace) -> int:
    from .ages import to_kostra_groups
    from .demography import project_kommune

    base_population = None
    if args.base_file is not None:
        from .kommuner import resolve_kommune
        from .readers import read_population

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
        print(f"{pop.attrs['kommune_name']} ({pop.attrs['kommune']}), {pop.attrs['scenario_label']} — personer")
        print(wide.round(0).astype(int).to_string())
        print(f"Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0, og {pop.attrs['sources']}; bearbeidet av planmodel.")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from .apps import launch

    return launch(args.name, port=args.port, open_browser=not args.no_browser)


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(json_lines=args.json, quick=args.quick)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (code 2) and --help (code 0), already printed
        return int(exc.code or 0)
    handler = {"population": cmd_population, "app": cmd_app, "bench": cmd_bench}[args.command]
    try:
        return handler(args)
    except PlanmodelError as exc:
        print(f"planmodel {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":
    sys.exit(main())
