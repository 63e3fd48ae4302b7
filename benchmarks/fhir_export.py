"""FHIR export of a bulk synthetic clinic (10,000 patients, about a million resources) to NDJSON.

Measured: ``interop.fhir.export.export_clinic`` (the function ``ketacare export fhir`` runs) on
the cached SQLite clinic from ``benchmarks/synth_clinic.py``, into a temporary directory, wall
time per run. Baseline (a peer library, one resource at a time): a stride sample of K resources
of each type, taken from the export's own output, each built through its ``fhir.resources`` R4B
model (``model_validate``: full validation) and serialised with ``model_dump_json()``; the median
per-resource time of each type is scaled to that type's count and summed. That extrapolation
leaves out reading the rows and mapping them to dicts, which the export's time includes, so it
is a floor for the model path. Beside it, ketacare's own per-resource serialisation
(``json.dumps`` as the export calls it; vital-sign Observations, the bulk, are written as text by
``mapping.vital_lines`` instead, byte for byte the same) is timed on the same sample and scaled
alike.

    .venv/bin/python benchmarks/fhir_export.py [--patients N] [--runs R] [--sample K]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fhir.resources.R4B import get_fhir_model_class

from benchmarks.common import Row, median_ms, progress
from benchmarks.synth_clinic import sqlite_clinic
from ketacare.interop.fhir import export
from ketacare.kit.db.engine import make_engine, make_session_factory
from ketacare.scales.definitions import load_instruments

PATIENTS = 10_000
QUICK_PATIENTS = 1_000
TARGET_S = 60.0


def _sample(path: Path, count: int, k: int) -> list[dict[str, Any]]:
    """About ``k`` resources spread evenly through one NDJSON file."""
    stride = max(count // k, 1)
    picked = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number % stride == 0:
                picked.append(json.loads(line))
                if len(picked) == k:
                    break
    return picked


def _per_resource(sample: list[dict[str, Any]]) -> tuple[list[float], list[float], int]:
    """Seconds per resource through the R4B model and through json.dumps; validation failures."""
    model = get_fhir_model_class(sample[0]["resourceType"])
    models, ours, failures = [], [], 0
    for resource in sample:
        start = time.perf_counter()
        try:
            model.model_validate(resource).model_dump_json()
        except ValueError:
            failures += 1
        models.append(time.perf_counter() - start)
        start = time.perf_counter()
        json.dumps(resource, separators=(",", ":"), ensure_ascii=False)
        ours.append(time.perf_counter() - start)
    return models, ours, failures


def measure(patients: int, runs: int, k: int) -> list[Row]:
    clinic = sqlite_clinic(patients)
    instruments = load_instruments()
    engine = make_engine(clinic.url)
    factory = make_session_factory(engine)
    folder = Path(tempfile.mkdtemp(prefix="ketacare-bench-fhir-"))
    times: list[float] = []
    try:
        for run in range(runs):
            out = folder / f"run{run}"
            progress(f"fhir export: {patients:,} patients, run {run + 1}/{runs}")
            with factory() as session:
                start = time.perf_counter()
                result = export.export_clinic(session, clinic.clinic_id, out, instruments)
                times.append(time.perf_counter() - start)
            total = sum(result.counts.values())
            progress(f"  {times[-1]:.1f} s, {total:,} resources: {result.counts}")
            if run < runs - 1:
                shutil.rmtree(out)
        progress(f"baseline: R4B model_validate + model_dump_json on {k} resources per type")
        scaled_model = scaled_ours = 0.0
        sampled = failures = 0
        per_type: dict[str, tuple[float, float]] = {}
        for kind, count in result.counts.items():
            if not count:
                continue
            sample = _sample(result.files[kind], count, k)
            model_s, ours_s, failed = _per_resource(sample)
            sampled += len(sample)
            failures += failed
            per_type[kind] = (statistics.median(model_s), statistics.median(ours_s))
            scaled_model += per_type[kind][0] * count
            scaled_ours += per_type[kind][1] * count
        for kind, (model_med, ours_med) in per_type.items():
            progress(
                f"  {kind}: R4B {model_med * 1e6:.0f} us/resource, "
                f"json.dumps {ours_med * 1e6:.1f} us ({model_med / ours_med:.0f}x)"
            )
        if failures:
            progress(f"  WARNING: {failures} sampled resources failed R4B validation")
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    wall = median_ms(times)
    baseline = scaled_model * 1000
    label = f"{patients:,} patients, {total:,} resources"
    progress(
        f"fhir export {wall / 1000:.1f} s (target < {TARGET_S:.0f} s at 10,000 patients); "
        f"R4B baseline extrapolated {baseline / 1000:.1f} s; "
        f"fhir.resources {version('fhir.resources')}, pydantic {version('pydantic')}"
    )
    return [
        Row(
            "fhir export",
            f"R4B model_validate + model_dump_json, one by one ({sampled:,} timed, scaled to {total:,})",
            baseline,
            sampled,
            "baseline (no DB reads, no mapping)",
            total,
        ),
        Row(
            "fhir export",
            f"json.dumps per resource, same sample ({sampled:,} timed, scaled to {total:,})",
            scaled_ours * 1000,
            sampled,
            f"{scaled_model / scaled_ours:.0f}x faster than R4B",
            total,
        ),
        Row(
            "fhir export",
            f"export_clinic to NDJSON, SQLite ({label})",
            wall,
            runs,
            f"{baseline / wall:.1f}x faster than R4B"
            + (f"; {wall / 1000 / TARGET_S:.0%} of 60 s" if patients >= PATIENTS else ""),
            total,
        ),
    ]


def run(quick: bool, patients: int | None = None) -> list[Row]:
    n = patients or (QUICK_PATIENTS if quick else PATIENTS)
    return measure(n, 1 if quick else (2 if n >= PATIENTS else 3), 50 if quick else 300)


def main() -> int:
    from benchmarks.run import text_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=300, help="resources timed per type")
    args = parser.parse_args()
    print(text_table(measure(args.patients, args.runs, args.sample)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
