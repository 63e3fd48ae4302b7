"""Write the research forms: REDCap-style CSV (one file per form, the data dictionary, and one flat
file for REDCap's Data Import Tool) and/or Parquet (one file per form, typed columns), streaming
rows in batches like the FHIR export.

The flat import file (``redcap_import.csv``) is what a classic REDCap project with repeating
instruments takes in one upload: ``record_id`` first, then ``redcap_repeat_instrument`` and
``redcap_repeat_instance`` (both empty on the non-repeating ``patients`` row), then every field of
the data dictionary; each row fills only its own form's fields. Its records are the same records
the per-form files get, so de-identification applies to it unchanged.

De-identification happens here, in one place for every form: identifier fields (direct
identifiers and free text) are not written, the record id is a per-export pseudonym, and every
field of kind ``date`` is shifted by its patient's offset.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketacare.interop.research import forms
from ketacare.interop.research.deid import Pseudonymiser
from ketacare.interop.research.forms import PATIENTS, Field, Form
from ketacare.interop.research.sources import Row, Source, sources
from ketacare.medications.drugs import Drug

Format = Literal["redcap", "parquet", "both"]
FORMATS: tuple[Format, ...] = ("redcap", "parquet", "both")
DICTIONARY = "data_dictionary.csv"
REDCAP_IMPORT = "redcap_import.csv"
BATCH = 500

Progress = Callable[[int], None]  # called with the number of source rows just processed


@dataclass
class ExportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_names(), 0))
    files: list[Path] = field(default_factory=list)


def _names() -> list[str]:
    return [form.name for form in forms.FORMS]


_ARROW: dict[str, Any] = {
    "record": pa.string(),
    "text": pa.string(),
    "dropdown": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "date": pa.date32(),
    "yesno": pa.bool_(),
    "items": pa.map_(pa.string(), pa.int32()),
}


def arrow_schema(form: Form, deidentified: bool) -> Any:
    """The Parquet schema of a form: the CSV's columns with their types and labels."""
    fields = []
    for f in form.columns(deidentified):
        fields.append(pa.field(f.name, _ARROW[f.kind], metadata={"label": f.label}))
        if f.kind == "record" and form.repeating:
            fields.append(pa.field(forms.REPEAT_FIELDS[0], pa.string()))
            fields.append(pa.field(forms.REPEAT_FIELDS[1], pa.int64()))
    return pa.schema(fields)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


class _FormWriter:
    """One form's CSV and/or Parquet file, written batch by batch (empty forms keep a header)."""

    def __init__(self, form: Form, out_dir: Path, fmt: Format, deidentified: bool) -> None:
        self.form = form
        self.columns: tuple[Field, ...] = form.columns(deidentified)
        self.header = form.header(deidentified)
        self.schema = arrow_schema(form, deidentified)
        self.csv_handle: IO[str] | None = None
        self.csv: Any = None
        self.parquet: Any = None
        self.paths: list[Path] = []
        if fmt in ("redcap", "both"):
            path = out_dir / f"{form.name}.csv"
            self.csv_handle = path.open("w", encoding="utf-8", newline="")
            self.csv = csv.writer(self.csv_handle)
            self.csv.writerow(self.header)
            self.paths.append(path)
        if fmt in ("parquet", "both"):
            path = out_dir / f"{form.name}.parquet"
            self.parquet = pq.ParquetWriter(path, self.schema)
            self.paths.append(path)

    def write(self, records: list[dict[str, Any]]) -> None:
        if self.csv is not None:
            self.csv.writerows([_csv_value(r.get(name)) for name in self.header] for r in records)
        if self.parquet is not None and records:
            columns = {
                name: [self._arrow_value(r.get(name)) for r in records] for name in self.header
            }
            self.parquet.write_table(pa.Table.from_pydict(columns, schema=self.schema))

    @staticmethod
    def _arrow_value(value: Any) -> Any:
        return sorted(value.items()) if isinstance(value, dict) else value

    def close(self) -> None:
        if self.csv_handle is not None:
            self.csv_handle.close()
        if self.parquet is not None:
            self.parquet.close()


class _FlatWriter:
    """The single REDCap import file: every form's records, one row each, under one header."""

    def __init__(self, out_dir: Path, deidentified: bool) -> None:
        self.path = out_dir / REDCAP_IMPORT
        self.header = forms.flat_header(deidentified)
        self.handle: IO[str] = self.path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle)
        self.csv.writerow(self.header)

    def write(self, records: list[dict[str, Any]]) -> None:
        self.csv.writerows([_csv_value(r.get(name)) for name in self.header] for r in records)

    def close(self) -> None:
        self.handle.close()


class _Records:
    """Plain rows -> exported records: record id, repeat instance, identifiers out, dates shifted."""

    def __init__(self, pseudonyms: Pseudonymiser) -> None:
        self.pseudonyms = pseudonyms
        self.instances: dict[tuple[str, uuid.UUID], int] = {}

    def make(self, form: Form, rows: list[Row]) -> list[dict[str, Any]]:
        records = []
        for row in rows:
            patient_id: uuid.UUID = row["_patient"]
            if form is PATIENTS:
                record_id: str | None = self.pseudonyms.add(patient_id)
            else:
                record_id = self.pseudonyms.record_id(patient_id)
            if record_id is None:  # the patient is voided: so are their rows, for research
                continue
            record: dict[str, Any] = {"record_id": record_id}
            if form.repeating:
                key = (form.name, patient_id)
                self.instances[key] = self.instances.get(key, 0) + 1
                record["redcap_repeat_instrument"] = form.name
                record["redcap_repeat_instance"] = self.instances[key]
            for f in form.columns(self.pseudonyms.deidentified):
                if f.kind == "date":
                    record[f.name] = self.pseudonyms.day(patient_id, row.get(f.name))
                elif f.kind != "record":
                    record[f.name] = row.get(f.name)
            records.append(record)
        return records


def _dictionary(out_dir: Path, deidentified: bool) -> Path:
    path = out_dir / DICTIONARY
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(forms.DICTIONARY_HEADER)
        writer.writerows(forms.dictionary_rows(deidentified))
    return path


def source_rows(session: Session, clinic_id: uuid.UUID, drugs: Mapping[str, Drug]) -> int:
    """How many source rows the export reads (the progress bar's total)."""
    return sum(
        int(session.scalar(select(func.count()).select_from(s.statement.subquery())) or 0)
        for s in sources(clinic_id, False, drugs)
    )


def _clear(out_dir: Path) -> None:
    """A previous run's files must not mix with this one's."""
    (out_dir / DICTIONARY).unlink(missing_ok=True)
    (out_dir / REDCAP_IMPORT).unlink(missing_ok=True)
    for name in _names():
        for suffix in (".csv", ".parquet"):
            (out_dir / f"{name}{suffix}").unlink(missing_ok=True)


def export_clinic(
    session: Session,
    clinic_id: uuid.UUID,
    out_dir: Path,
    drugs: Mapping[str, Drug],
    fmt: Format = "both",
    deidentified: bool = False,
    seed: int | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write every form of one clinic into ``out_dir`` (created if missing); returns the counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    result = ExportResult()
    records = _Records(Pseudonymiser(deidentified, seed))
    flat: _FlatWriter | None = None
    if fmt in ("redcap", "both"):
        result.files.append(_dictionary(out_dir, deidentified))
        flat = _FlatWriter(out_dir, deidentified)
    try:
        for source in sources(clinic_id, deidentified, drugs):
            _write_form(session, source, out_dir, fmt, records, result, progress, flat)
    finally:
        if flat is not None:
            flat.close()
    if flat is not None:
        result.files.append(flat.path)
    return result


def _write_form(
    session: Session,
    source: Source,
    out_dir: Path,
    fmt: Format,
    records: _Records,
    result: ExportResult,
    progress: Progress | None,
    flat: _FlatWriter | None,
) -> None:
    writer = _FormWriter(source.form, out_dir, fmt, records.pseudonyms.deidentified)
    try:
        rows = session.execute(source.statement.execution_options(yield_per=BATCH))
        for batch in rows.partitions():
            made = records.make(source.form, source.convert(session, batch))
            writer.write(made)
            if flat is not None:
                flat.write(made)
            result.counts[source.form.name] += len(made)
            if progress is not None:
                progress(len(batch))
    finally:
        writer.close()
    result.files.extend(writer.paths)
