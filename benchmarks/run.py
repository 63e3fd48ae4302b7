"""Run ketacare's benchmarks and print one table (``make bench``).

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME ...] [--patients N]
        [--write docs/benchmarks.md]

Progress goes to stderr, the table to stdout. Every database is a temporary file (or a
throwaway embedded PostgreSQL), except the bulk synthetic clinic of ``fhir`` and
``dashboard``: cached under ``var/bench/`` (git-ignored) and, for PostgreSQL, a database on the
local server that is dropped afterwards (see ``benchmarks/synth_clinic.py``). Nothing is written
into the repository unless ``--write`` is given, which replaces the figures section of that
Markdown file.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of benchmarks/ and tests/
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Row, machine, progress  # noqa: E402

MODULES = ("passwords", "audit", "pages", "pk", "fhir", "dashboard")
FILES = {  # module per name when not bench_<name>
    "pk": "benchmarks.pk_population",
    "fhir": "benchmarks.fhir_export",
    "dashboard": "benchmarks.dashboard",
}
SCALED = {"fhir", "dashboard"}  # take --patients (synthetic clinic size)
BEGIN = "<!-- figures:begin (rewritten by `benchmarks/run.py --write`; edit outside) -->"
END = "<!-- figures:end -->"
HEADER = ("benchmark", "case", "median ms", "per second", "vs baseline", "n")


def _cells(row: Row) -> tuple[str, ...]:
    if row.samples == 0:
        return (row.benchmark, row.case, "-", "-", row.ratio, "0")
    rate = f"{row.per_second:,.0f}" if row.per_second >= 100 else f"{row.per_second:.1f}"
    return (row.benchmark, row.case, f"{row.median_ms:.2f}", rate, row.ratio, str(row.samples))


def text_table(rows: list[Row]) -> str:
    lines = [HEADER, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    numeric = {2, 3, 5}
    out = []
    for number, line in enumerate(lines):
        out.append(
            "  ".join(
                cell.rjust(w) if i in numeric else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(rows: list[Row], command: str, seconds: float) -> str:
    facts = machine()
    lines = [
        BEGIN,
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` ({seconds:.0f} s).",
        "",
        *(f"- {key}: {value}" for key, value in facts.items()),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(("---", "---", "--:", "--:", "---", "--:")) + "|",
        *("| " + " | ".join(_cells(row)) + " |" for row in rows),
        "",
        END,
    ]
    return "\n".join(lines)


def write_figures(path: Path, section: str) -> None:
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        path.write_text(head + section + tail)
    else:
        path.write_text(current.rstrip("\n") + "\n\n## Figures\n\n" + section + "\n")


def _command(argv: list[str] | None) -> str:
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python.name
    return " ".join([str(shown), "benchmarks/run.py", *(argv or sys.argv[1:])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--only", nargs="+", choices=MODULES, help="run only these benchmarks")
    parser.add_argument(
        "--patients",
        type=int,
        help="synthetic clinic size for fhir and dashboard (default 10,000; 1,000 with --quick)",
    )
    parser.add_argument("--write", type=Path, metavar="FILE", help="rewrite FILE's figures")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[Row] = []
    for name in args.only or MODULES:
        progress(f"== bench_{name}")
        module = importlib.import_module(FILES.get(name, f"benchmarks.bench_{name}"))
        if name in SCALED:
            rows.extend(module.run(args.quick, args.patients))
        else:
            rows.extend(module.run(args.quick))
    seconds = time.perf_counter() - started
    print(text_table(rows))
    for key, value in machine().items():
        print(f"{key}: {value}")
    if args.write:
        write_figures(args.write, markdown(rows, _command(argv), seconds))
        progress(f"figures written to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
