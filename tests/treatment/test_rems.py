"""The REMS Patient Monitoring Form: rows and CSV for a worked session, the due date, the 2-h flag."""

from __future__ import annotations

import csv
import io
from dataclasses import fields, replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketacare.treatment.rems import (
    NOT_RECORDED,
    UNCONFIRMED,
    PmfFacts,
    due_on,
    monitoring_short,
    pmf_csv,
    pmf_rows,
)

SESSION = PmfFacts(
    patient_first_name="Ada",
    patient_middle_initial="M",
    patient_last_name="Example",
    birth_date=date(1980, 4, 2),
    sex="Female",
    first_treatment=False,
    already_enrolled=True,
    benzodiazepines=False,
    non_bzd_sedative_hypnotics=True,
    psychostimulants=False,
    maois=False,
    opioids=None,
    hcp_first_name="Noor",
    hcp_last_name="Nurse",
    hcp_phone="+1 555 0100",
    hcp_email="noor@clinic.example",
    setting_name="Example Clinic",
    setting_address_1="1 Main St",
    setting_city="Springfield",
    setting_state="IL",
    setting_zip="62701",
    treatment_date=date(2026, 12, 1),
    dose_mg=56,
    lot_number="LOT-42A",
    total_monitoring_min=125,
    ready_to_leave_min=90,
    vitals_acceptable_before_administration=True,
    vitals_acceptable_before_completion=True,
    bp_before_administration=(128, 82),
    bp_at_40_min=(146, 90),
    bp_before_completion=(130, 84),
    sedation=True,
    dissociation=True,
    respiratory_depression=False,
    adverse_events="Nausea, settled without treatment",
)


def value_of(rows: list[tuple[str, str, str]], section: str, label: str) -> str:
    return next(v for s, f, v in rows if s == section and f.startswith(label))


class TestRows:
    def test_worked_example(self) -> None:
        rows = pmf_rows(SESSION)
        assert rows[:7] == [
            ("Patient", "First name", "Ada"),
            ("Patient", "Middle initial", "M"),
            ("Patient", "Last name", "Example"),
            ("Patient", "Birth date", "1980-04-02"),
            ("Patient", "Sex", "Female"),
            ("Patient", "First treatment?", "No"),
            ("Patient", "Already enrolled?", "Yes"),
        ]
        assert value_of(rows, "Concomitant medications", "Non-benzodiazepine") == "Yes"
        assert value_of(rows, "Concomitant medications", "Opioids") == NOT_RECORDED
        assert value_of(rows, "Setting", "Address 2") == NOT_RECORDED
        assert value_of(rows, "Session", "Dose") == "56 mg"
        assert value_of(rows, "Session", "Lot number") == "LOT-42A"
        assert value_of(rows, "Session", "Total time") == "125 min"
        assert value_of(rows, "Session", "If there were no 2-hour minimum") == "90 min from start"
        assert value_of(rows, "Vitals", "Blood pressure 40 minutes") == "146/90 mmHg"
        assert value_of(rows, "Events", "Sedation?") == "Yes"
        assert value_of(rows, "Events", "Respiratory depression?") == "No"
        assert value_of(rows, "Events", "Lowest SpO2") == NOT_RECORDED
        assert rows[-1] == ("Events", "Adverse events", "Nausea, settled without treatment")
        assert [s for s, _, _ in rows].count("Vitals") == 5

    def test_sections_in_the_forms_order(self) -> None:
        sections = list(dict.fromkeys(s for s, _, _ in pmf_rows(SESSION)))
        assert sections == [
            "Patient",
            "Concomitant medications",
            "Monitoring HCP",
            "Setting",
            "Session",
            "Vitals",
            "Events",
        ]

    def test_unconfirmed_fields_are_marked(self) -> None:
        marked = [
            f.removesuffix(UNCONFIRMED) for _, f, _ in pmf_rows(SESSION) if f.endswith(UNCONFIRMED)
        ]
        assert marked == [
            "Opioids",
            "Respiratory depression?",
            "Pulse oximetry monitored?",
            "Lowest SpO2 (%)",
            "Serious adverse event?",
        ]
        assert "clinical.md §3d" in UNCONFIRMED

    def test_other_dose_and_short_monitoring(self) -> None:
        rows = pmf_rows(replace(SESSION, dose_mg=28, total_monitoring_min=110))
        assert value_of(rows, "Session", "Dose") == "Other: 28 mg"
        assert value_of(rows, "Session", "Total time") == "110 min (under the 2-hour minimum)"
        assert value_of(pmf_rows(replace(SESSION, dose_mg=84.0)), "Session", "Dose") == "84 mg"

    def test_unknown_is_not_recorded_never_guessed(self) -> None:
        blank = PmfFacts(**{f.name: None for f in fields(PmfFacts)})
        assert {v for _, _, v in pmf_rows(blank)} == {NOT_RECORDED}
        assert value_of(pmf_rows(replace(SESSION, lot_number="  ")), "Session", "Lot number") == (
            NOT_RECORDED
        )


class TestCsv:
    def test_worked_example(self) -> None:
        text = pmf_csv(pmf_rows(SESSION))
        lines = text.splitlines()
        assert lines[0] == "section,field,value"
        assert lines[1] == "Patient,First name,Ada"
        assert 'Events,Adverse events,"Nausea, settled without treatment"' in lines
        parsed = [tuple(row) for row in csv.reader(io.StringIO(text))][1:]
        # A leading "+" would start a spreadsheet formula: the phone is quoted, the rest is as is.
        assert ("Monitoring HCP", "Phone", "'+1 555 0100") in parsed
        assert [r for r in parsed if r[1] != "Phone"] == [
            r for r in pmf_rows(SESSION) if r[1] != "Phone"
        ]

    def test_formulas_are_defused(self) -> None:
        rows = pmf_rows(replace(SESSION, adverse_events='=HYPERLINK("x")'))
        parsed = list(csv.reader(io.StringIO(pmf_csv(rows))))
        assert parsed[-1][2] == '\'=HYPERLINK("x")'

    @given(st.lists(st.tuples(st.text(), st.text(), st.text()), max_size=5))
    def test_round_trip(self, rows: list[tuple[str, str, str]]) -> None:
        formula = ("=", "+", "-", "@", "\t", "\r")
        parsed = list(csv.reader(io.StringIO(pmf_csv(rows), newline="")))
        assert parsed[0] == ["section", "field", "value"]
        assert len(parsed) == len(rows) + 1
        for original, back in zip(rows, parsed[1:], strict=True):
            for cell, read in zip(original, back, strict=True):
                assert read == ("'" + cell if cell.startswith(formula) else cell)


class TestClock:
    def test_due_seven_days_after(self) -> None:
        assert due_on(date(2026, 12, 1)) == date(2026, 12, 8)
        assert due_on(date(2026, 12, 28)) == date(2027, 1, 4)

    @given(st.dates())
    def test_due_on_is_a_week_later(self, day: date) -> None:
        if day <= date.max - timedelta(days=7):
            assert (due_on(day) - day).days == 7

    def test_two_hour_flag(self) -> None:
        assert monitoring_short(119) and monitoring_short(119.9)
        assert not monitoring_short(120) and not monitoring_short(240)

    @given(st.floats(0, 600))
    def test_flag_is_under_120(self, minutes: float) -> None:
        assert monitoring_short(minutes) == (minutes < 120)
