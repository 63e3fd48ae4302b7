"""``ketacare pk``: list the PK parameter sets and simulate a regimen (typical or population)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer

from ketacare.cli.common import fail
from ketacare.dosing.pk.engine import simulate
from ketacare.dosing.pk.models import ParameterFileError, PkModel, load_models
from ketacare.dosing.pk.population import PERCENTILES, simulate_population
from ketacare.dosing.pk.regimen import Bolus, Dose, Infusion, validate_regimen
from ketacare.kit.errors import InvalidInput

app = typer.Typer(
    help="Pharmacokinetics of IV ketamine: parameter sets and predicted plasma levels.",
    no_args_is_help=True,
)
DEFAULT_TIMES = ",".join(str(t) for t in range(0, 481, 10))


def _models() -> dict[str, PkModel]:
    try:
        return load_models()
    except ParameterFileError as error:
        fail(str(error))


def _number(text: str, option: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        fail(f"{option} '{spec}': '{text}' is not a number")
    return value


def parse_infusion(spec: str) -> Infusion:
    """``MG@START+MINUTES``, e.g. ``35@0+40``: 35 mg from minute 0 over 40 minutes."""
    dose, at, rest = spec.partition("@")
    start, plus, minutes = rest.partition("+")
    if not (at and plus and dose.strip() and start.strip() and minutes.strip()):
        fail(f"--infusion '{spec}': expected MG@START+MINUTES, e.g. 35@0+40")
    opt = "--infusion"
    return Infusion(
        _number(dose, opt, spec), _number(start, opt, spec), _number(minutes, opt, spec)
    )


def parse_bolus(spec: str) -> Bolus:
    """``MG@MINUTE``, e.g. ``10@45``."""
    dose, at, minute = spec.partition("@")
    if not (at and dose.strip() and minute.strip()):
        fail(f"--bolus '{spec}': expected MG@MINUTE, e.g. 10@45")
    return Bolus(_number(dose, "--bolus", spec), _number(minute, "--bolus", spec))


def _rounded(values: Any) -> list[float]:
    return [round(float(v), 6) for v in values]


@app.command("models")
def models(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List the parameter sets with their citations."""
    rows = [
        {
            "id": m.id,
            "name": m.name,
            "compartments": m.compartments,
            "population": m.population,
            "citation": m.citation,
            "confidence": m.source.confidence,
            "variability": m.variability_source,
        }
        for m in _models().values()
    ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        bsv = "BSV published" if row["variability"] else "no BSV"
        typer.echo(f"{row['id']:<9} {row['compartments']}-cmt [{row['confidence']}] {bsv}")
        typer.echo(f"          {row['citation']}")


@app.command("simulate")
def simulate_command(
    model_id: Annotated[str, typer.Option("--model", help="Parameter set id (pk models)")],
    weight_kg: Annotated[float, typer.Option("--weight-kg", help="Body weight, kg")],
    infusion: Annotated[
        list[str] | None,
        typer.Option(help="MG@START+MINUTES, e.g. 35@0+40 (repeatable; minutes from start)"),
    ] = None,
    bolus: Annotated[
        list[str] | None, typer.Option(help="MG@MINUTE, e.g. 10@45 (repeatable)")
    ] = None,
    at: Annotated[str, typer.Option(help="Comma-separated times, minutes")] = DEFAULT_TIMES,
    population: Annotated[
        int | None, typer.Option(help="Virtual patients for the 5-95% band")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for --population")] = 0,
    assumed_cv: Annotated[
        float | None,
        typer.Option(
            help="For sets without published variability: a clinic-chosen CV in percent "
            "applied to every parameter (reported as an assumption)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Predicted plasma concentration (ng/mL) for a regimen of infusions and boluses."""
    catalogue = _models()
    if model_id not in catalogue:
        fail(f"unknown model '{model_id}'; one of: {', '.join(catalogue)}")
    model = catalogue[model_id]
    regimen: list[Dose] = [*map(parse_infusion, infusion or []), *map(parse_bolus, bolus or [])]
    times = [_number(t, "--at", at) for t in at.split(",")]
    try:
        validate_regimen(regimen)
        body: dict[str, Any] = {
            "model": model.id,
            "weight_kg": weight_kg,
            "times_min": times,
            "cp_ng_ml": _rounded(simulate(model, weight_kg, regimen, times)),
        }
        if population is not None:
            result = simulate_population(
                model, weight_kg, regimen, times, population, seed, assumed_cv_percent=assumed_cv
            )
            bands = (result.p5, result.p50, result.p95)
            body["population"] = {"n": population, "seed": seed, "variability": result.variability}
            body["percentiles"] = {
                f"{q:g}": _rounded(v) for q, v in zip(PERCENTILES, bands, strict=True)
            }
    except InvalidInput as invalid:
        fail(str(invalid))
    if as_json:
        typer.echo(json.dumps(body))
        return
    _print_table(body)


def _print_table(body: dict[str, Any]) -> None:
    bands = body.get("percentiles")
    header = "t (min)  Cp (ng/mL)" + ("        P5       P50       P95" if bands else "")
    typer.echo(f"{body['model']}, {body['weight_kg']:g} kg")
    typer.echo(header)
    for j, (t, cp) in enumerate(zip(body["times_min"], body["cp_ng_ml"], strict=True)):
        line = f"{t:7g}  {cp:10.2f}"
        if bands:
            line += "".join(f"{bands[q][j]:10.2f}" for q in ("5", "50", "95"))
        typer.echo(line)
    if bands:
        typer.echo(f"variability: {body['population']['variability']}")
