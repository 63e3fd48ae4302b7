"""``ketacare score``: score answers from the command line or a CSV file, exactly as the app does."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import track

from ketacare.cli.common import fail, load_settings, stderr
from ketacare.kit.errors import InvalidInput
from ketacare.scales.definitions import Instrument, InstrumentFileError, load_instruments
from ketacare.scales.scoring import ScoreResult
from ketacare.scales.scoring import score as score_answers

RESULT_COLUMNS = ("total", "severity", "risk", "flags")


def _instruments() -> dict[str, Instrument]:
    try:
        return load_instruments(load_settings().instruments_dir)
    except InstrumentFileError as error:
        fail(str(error))


def _parse_answers(instrument: Instrument, text: str) -> dict[str, int]:
    """Comma-separated answers in item order; ``-`` (or nothing) for an item that was not asked.

    Trailing optional items (PHQ-9 item 10) may be left off.
    """
    parts = [part.strip() for part in text.split(",")]
    required = max((n for n, item in enumerate(instrument.items, 1) if item.required), default=0)
    if required <= len(parts) < len(instrument.items):  # trailing optional items left off
        parts += ["-"] * (len(instrument.items) - len(parts))
    if len(parts) != len(instrument.items):
        item_ids = ", ".join(item.id for item in instrument.items)
        raise InvalidInput.one(
            "answers",
            f"needs {len(instrument.items)} values, one per item ({item_ids}); got {len(parts)}",
        )
    answers: dict[str, int] = {}
    for item, part in zip(instrument.items, parts, strict=True):
        if part in ("", "-"):
            continue
        try:
            answers[item.id] = int(part)
        except ValueError:
            raise InvalidInput.one(f"item {item.id}", f"'{part}' is not a whole number") from None
    return answers


def result_dict(result: ScoreResult) -> dict[str, Any]:
    return {
        "instrument": result.instrument_id,
        "total": result.total,
        "severity": result.severity,
        "risk": result.risk,
        "subscores": result.subscores,
        "flags": [
            {"name": f.name, "item": f.item, "value": f.value, "safety": f.safety}
            for f in result.flags
        ],
        "needs_safety_alert": result.needs_safety_alert,
        "item_scores": result.item_scores,
    }


def score(
    instrument_id: Annotated[
        str | None, typer.Argument(metavar="INSTRUMENT", help="Instrument id, e.g. phq9")
    ] = None,
    answers: Annotated[
        str | None,
        typer.Option(
            help="Answers in item order, comma-separated; '-' for an item not asked "
            "(e.g. C-SSRS items 3-5 when item 2 is 0)"
        ),
    ] = None,
    csv_in: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Score a CSV file: a header of item ids, optional 'id' column",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="With --csv: where to write scored rows")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the instruments and exit")] = False,
) -> None:
    """Score an instrument's answers (totals, severity band, flags, C-SSRS risk)."""
    instruments = _instruments()
    if list_:
        for instrument in instruments.values():
            typer.echo(f"{instrument.id:<16} {instrument.name} ({len(instrument.items)} items)")
        return
    if instrument_id is None or instrument_id not in instruments:
        fail(f"unknown instrument '{instrument_id}'; see `ketacare score --list`")
    instrument = instruments[instrument_id]
    if csv_in is not None:
        if out is None:
            fail("--csv needs --out FILE")
        _score_file(instrument, csv_in, out)
        return
    if answers is None:
        fail("give --answers 1,2,0,... or --csv FILE --out FILE")
    try:
        result = score_answers(instrument, _parse_answers(instrument, answers))
    except InvalidInput as invalid:
        fail(str(invalid))
    body = result_dict(result)
    if as_json:
        typer.echo(json.dumps(body))
        return
    flags = ", ".join(flag["name"] for flag in body["flags"]) or "none"
    headline = f"risk {result.risk}" if result.risk else f"total {result.total} ({result.severity})"
    typer.echo(f"{instrument.short_name}: {headline}; flags: {flags}")


def _score_file(instrument: Instrument, source: Path, target: Path) -> None:
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
        columns = list(rows[0].keys()) if rows else []
    scored: list[dict[str, Any]] = []
    for number, row in enumerate(track(rows, description="scoring", console=stderr), start=2):
        try:
            given = {k: v for k, v in row.items() if k != "id"}
            missing = [i.id for i in instrument.items if i.required and i.id not in given]
            if missing:
                raise InvalidInput.one(f"item {missing[0]}", "has no column in the file")
            text = ",".join(given.get(item.id) or "-" for item in instrument.items)
            result = score_answers(instrument, _parse_answers(instrument, text))
        except InvalidInput as invalid:
            fail(f"row {number}: {invalid}")
        flags = ";".join(flag.name for flag in result.flags)
        scored.append(
            {
                **row,
                "total": result.total,
                "severity": result.severity,
                "risk": result.risk,
                "flags": flags,
            }
        )
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, *RESULT_COLUMNS])
        writer.writeheader()
        writer.writerows(scored)
    stderr.print(f"scored {len(scored)} rows into {target}")
