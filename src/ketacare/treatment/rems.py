"""The Spravato REMS Patient Monitoring Form (PMF), filled from a session's facts. Pure.

Fields follow clinical.md §3d (the 11/2021 outpatient form). Fields the reference could not confirm
on the current form (respiratory depression, pulse oximetry, serious adverse events, opioids on the
medication checklist) are printed with ``UNCONFIRMED`` in their label, so whoever transcribes the
form checks them against the form in use. A value that is not known is printed as "not recorded",
never guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

# REMS: submit the PMF within 7 days of every session; monitor at least 2 hours (clinical.md §3c).
PMF_DUE_DAYS = 7
MIN_MONITORING_MIN = 120
NOT_RECORDED = "not recorded"
UNCONFIRMED = " [UNCONFIRMED on the current form: clinical.md §3d]"
LABEL_DOSES_MG = (56.0, 84.0)  # the form's tick boxes; anything else is "other" (§3d)

BloodPressure = tuple[int, int]  # systolic, diastolic (mmHg)


@dataclass(frozen=True, kw_only=True)
class PmfFacts:
    # Patient
    patient_first_name: str | None
    patient_middle_initial: str | None = None
    patient_last_name: str | None
    birth_date: date | None
    sex: str | None
    first_treatment: bool | None
    already_enrolled: bool | None
    # Concomitant medications (yes/no each)
    benzodiazepines: bool | None
    non_bzd_sedative_hypnotics: bool | None
    psychostimulants: bool | None
    maois: bool | None
    opioids: bool | None = None  # named in the HCP video only (§3d, S)
    # Monitoring health-care professional
    hcp_first_name: str | None
    hcp_last_name: str | None
    hcp_phone: str | None
    hcp_email: str | None
    # Setting
    setting_name: str | None
    setting_address_1: str | None
    setting_address_2: str | None = None
    setting_city: str | None
    setting_state: str | None
    setting_zip: str | None
    # Session
    treatment_date: date | None
    dose_mg: float | None
    lot_number: str | None
    total_monitoring_min: int | None
    ready_to_leave_min: int | None  # "if there were no 2-h minimum", minutes from start
    # Vitals
    vitals_acceptable_before_administration: bool | None
    vitals_acceptable_before_completion: bool | None
    bp_before_administration: BloodPressure | None
    bp_at_40_min: BloodPressure | None
    bp_before_completion: BloodPressure | None
    # Events
    sedation: bool | None
    dissociation: bool | None
    respiratory_depression: bool | None = None
    pulse_oximetry_monitored: bool | None = None
    lowest_spo2_pct: int | None = None
    serious_adverse_event: bool | None = None
    adverse_events: str | None


Value = str | bool | int | float | date | BloodPressure | None


def _printed(value: Value) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return f"{value[0]}/{value[1]} mmHg"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def _dose(dose_mg: float | None) -> str:
    if dose_mg is None:
        return NOT_RECORDED
    return f"{dose_mg:g} mg" if dose_mg in LABEL_DOSES_MG else f"Other: {dose_mg:g} mg"


def _monitoring(total_min: int | None) -> str:
    if total_min is None:
        return NOT_RECORDED
    flag = " (under the 2-hour minimum)" if monitoring_short(total_min) else ""
    return f"{total_min} min{flag}"


def _minutes(value: int | None, suffix: str = "") -> str:
    return NOT_RECORDED if value is None else f"{value} min{suffix}"


def pmf_rows(facts: PmfFacts) -> list[tuple[str, str, str]]:
    """The form as (section, field label, value as printed) rows, in the form's order."""
    f, p = facts, _printed
    return [
        ("Patient", "First name", p(f.patient_first_name)),
        ("Patient", "Middle initial", p(f.patient_middle_initial)),
        ("Patient", "Last name", p(f.patient_last_name)),
        ("Patient", "Birth date", p(f.birth_date)),
        ("Patient", "Sex", p(f.sex)),
        ("Patient", "First treatment?", p(f.first_treatment)),
        ("Patient", "Already enrolled?", p(f.already_enrolled)),
        ("Concomitant medications", "Benzodiazepines", p(f.benzodiazepines)),
        (
            "Concomitant medications",
            "Non-benzodiazepine sedative hypnotics",
            p(f.non_bzd_sedative_hypnotics),
        ),
        ("Concomitant medications", "Psychostimulants", p(f.psychostimulants)),
        ("Concomitant medications", "MAOIs", p(f.maois)),
        ("Concomitant medications", "Opioids" + UNCONFIRMED, p(f.opioids)),
        ("Monitoring HCP", "First name", p(f.hcp_first_name)),
        ("Monitoring HCP", "Last name", p(f.hcp_last_name)),
        ("Monitoring HCP", "Phone", p(f.hcp_phone)),
        ("Monitoring HCP", "Email", p(f.hcp_email)),
        ("Setting", "Name", p(f.setting_name)),
        ("Setting", "Address 1", p(f.setting_address_1)),
        ("Setting", "Address 2", p(f.setting_address_2)),
        ("Setting", "City", p(f.setting_city)),
        ("Setting", "State", p(f.setting_state)),
        ("Setting", "ZIP", p(f.setting_zip)),
        ("Session", "Treatment date", p(f.treatment_date)),
        ("Session", "Dose", _dose(f.dose_mg)),
        ("Session", "Lot number", p(f.lot_number)),
        (
            "Session",
            "Total time from first device to end of monitoring",
            _monitoring(f.total_monitoring_min),
        ),
        (
            "Session",
            "If there were no 2-hour minimum, ready to leave at",
            _minutes(f.ready_to_leave_min, " from start"),
        ),
        (
            "Vitals",
            "Vitals acceptable before administration?",
            p(f.vitals_acceptable_before_administration),
        ),
        (
            "Vitals",
            "Vitals acceptable before session completion?",
            p(f.vitals_acceptable_before_completion),
        ),
        ("Vitals", "Blood pressure before administration", p(f.bp_before_administration)),
        ("Vitals", "Blood pressure 40 minutes after administration", p(f.bp_at_40_min)),
        ("Vitals", "Blood pressure before session completion", p(f.bp_before_completion)),
        ("Events", "Sedation?", p(f.sedation)),
        ("Events", "Dissociation?", p(f.dissociation)),
        ("Events", "Respiratory depression?" + UNCONFIRMED, p(f.respiratory_depression)),
        ("Events", "Pulse oximetry monitored?" + UNCONFIRMED, p(f.pulse_oximetry_monitored)),
        ("Events", "Lowest SpO2 (%)" + UNCONFIRMED, p(f.lowest_spo2_pct)),
        ("Events", "Serious adverse event?" + UNCONFIRMED, p(f.serious_adverse_event)),
        ("Events", "Adverse events", p(f.adverse_events)),
    ]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A value safe to open in a spreadsheet: text that would start a formula is quoted."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def pmf_csv(rows: list[tuple[str, str, str]]) -> str:
    """The rows as CSV with the header ``section,field,value``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "field", "value"))
    writer.writerows((_cell(s), _cell(f), _cell(v)) for s, f, v in rows)
    return out.getvalue()


def due_on(treatment_date: date) -> date:
    """The last day to submit the PMF: within 7 days of the session (REMS, clinical.md §3c)."""
    return treatment_date + timedelta(days=PMF_DUE_DAYS)


def monitoring_short(total_minutes: float) -> bool:
    """True when monitoring lasted under the REMS 2-hour minimum (clinical.md §3c, §3d)."""
    return total_minutes < MIN_MONITORING_MIN
