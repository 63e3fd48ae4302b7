"""One synthetic infusion at the chair: the session, its event log, vitals and adverse events."""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from ketacare.dosing.rules import Dose
from ketacare.synth.intake import clamp
from ketacare.synth.rows import Context, Row, Rows, record
from ketacare.treatment import vitals_rules

SEVERITIES = ("mild", "mild", "mild", "moderate")  # synthetic choice: most events are mild


class Chair:
    """Builds one session's rows; ``tolerated`` is false when a reading advised stopping."""

    def __init__(self, ctx: Context, rng: random.Random, rows: Rows, session: Row) -> None:
        self.ctx, self.rng, self.rows, self.session = ctx, rng, rows, session
        self.tolerated = True

    def event(
        self, kind: str, when: datetime, detail: dict[str, Any], by: uuid.UUID | None = None
    ) -> Row:
        return self.rows.add(
            "session_events",
            **record(self.ctx, self.rng, by or self.ctx.staff.nurse, when),
            session_id=self.session["id"],
            kind=kind,
            at=when,
            detail=detail,
            reason=None,
        )

    def move(self, action: str, old: str, new: str, when: datetime, **more: Any) -> None:
        self.event(action, when, {"from": old, "to": new, **more})

    def reading(self, when: datetime, sbp: float, dbp: float, hr: float, spo2: float) -> None:
        ranges = vitals_rules.load_ranges().ranges
        values = {
            "systolic_mmhg": sbp,
            "diastolic_mmhg": dbp,
            "heart_rate_bpm": hr,
            "spo2_pct": spo2,
            "resp_rate": self.rng.gauss(15, 2),
        }
        fixed = {m: clamp(v, ranges[m].low, ranges[m].high) for m, v in values.items()}  # type: ignore[index]
        reading = vitals_rules.Reading(
            fixed["systolic_mmhg"],
            fixed["diastolic_mmhg"],
            fixed["heart_rate_bpm"],
            fixed["spo2_pct"],
            fixed["resp_rate"],
        )
        alerts = vitals_rules.check(reading, self.ctx.protocol.thresholds)
        if any(a.action == "stop_advised" for a in alerts):
            self.tolerated = False
        self.rows.add(
            "vital_readings",
            **record(self.ctx, self.rng, self.ctx.staff.nurse, when),
            session_id=self.session["id"],
            device="manual",
            measured_at=when,
            **fixed,
            alerts=[vars(a) for a in alerts],
            response="Rechecked; infusion continued (synthetic)." if alerts else None,
            responded_by=self.ctx.staff.nurse if alerts else None,
        )


def infusion(
    ctx: Context,
    rng: random.Random,
    rows: Rows,
    planned: Row,
    dose: Dose,
    checked_in: datetime,
) -> tuple[bool, datetime]:
    """A discharged, signed session for a planned course session; (tolerated, discharged at)."""
    p, staff = ctx.parameters, ctx.staff
    duration = round(ctx.protocol.infusion.duration_min) if ctx.protocol.infusion else 40
    prechecked = checked_in + timedelta(minutes=10)
    started = checked_in + timedelta(minutes=15)
    ended = started + timedelta(minutes=duration)
    discharged = ended + timedelta(minutes=p.vitals.observation_min)
    signed = discharged + timedelta(minutes=5)
    session = rows.add(
        "treatment_sessions",
        **record(ctx, rng, staff.nurse, checked_in),
        course_session_id=planned["id"],
        patient_id=planned["patient_id"],
        treatment="iv_ketamine",
        state="discharged",
        checked_in_at=checked_in,
        ordered_dose_mg=dose.dose_mg,
        ordered_rate_ml_per_h=dose.rate_ml_per_h,
        final_volume_ml=dose.final_volume_ml,
        devices_ordered=None,
        order_signed_by=staff.physician,
        order_signed_at=prechecked,
        lot_number=f"SYN{rng.randrange(10_000, 99_999)}",
        route="intravenous",
        dosing_started_at=started,
        dosing_ended_at=ended,
        discharged_at=discharged,
        note="Infusion given as ordered; discharged with escort (synthetic).",
        signed_by=staff.nurse,
        signed_at=signed,
    )
    chair = Chair(ctx, rng, rows, session)
    chair.move("check_in", "scheduled", "checked_in", checked_in, course_session=planned["number"])
    v = p.vitals
    sbp = rng.gauss(v.baseline_systolic_mean, v.baseline_systolic_sd)
    dbp = rng.gauss(v.baseline_diastolic_mean, v.baseline_diastolic_sd)
    hr = rng.gauss(v.baseline_heart_rate_mean, v.baseline_heart_rate_sd)
    sbp, dbp = min(sbp, 139), min(dbp, 89)  # the pre-dosing gate passed (140/90)
    chair.reading(prechecked, sbp, dbp, hr, rng.choice((97, 98, 99)))
    chair.event("prechecks", prechecked, {"gates": [], "synthetic": True})
    chair.move("complete_prechecks", "checked_in", "prechecked", prechecked)
    chair.event("order_signed", prechecked, {"dose_mg": dose.dose_mg}, staff.physician)
    chair.move("start_dosing", "prechecked", "dosing", started)
    chair.event("pump.start", started, {"rate_ml_per_h": dose.rate_ml_per_h})
    severe = rng.random() < v.severe_hypertension_per_session
    rise = rng.uniform(0.3, 1.7)
    end = duration + v.observation_min
    minute, readings = v.every_min_during, []
    while minute <= end:
        readings.append(minute)
        minute += v.every_min_during if minute < duration else v.every_min_after
    for minute in readings:
        # Rise towards the peak, then back to baseline within the observation (clinical.md §1c).
        shape = math.exp(-(((minute - v.peak_at_min) / 25) ** 2))
        up_s, up_d = (
            v.peak_systolic_rise_mmhg * rise * shape,
            v.peak_diastolic_rise_mmhg * rise * shape,
        )
        if severe and minute == readings[len(readings) // 2 - 1]:
            up_s, up_d = 185 - sbp + rng.uniform(0, 15), 112 - dbp + rng.uniform(0, 8)
        chair.reading(
            started + timedelta(minutes=minute),
            sbp + up_s + rng.gauss(0, 4),
            dbp + up_d + rng.gauss(0, 3),
            hr + 6 * shape + rng.gauss(0, 4),
            rng.choice((96, 97, 98, 99)),
        )
    _adverse_events(chair, started, duration, severe)
    chair.move("end_dosing", "dosing", "observation", ended, delivered_mg=dose.dose_mg)
    chair.move("discharge", "observation", "discharged", discharged, unmet=[])
    chair.event("signed", signed, {})
    return chair.tolerated, discharged


def _adverse_events(chair: Chair, started: datetime, duration: int, severe: bool) -> None:
    p = chair.ctx.parameters.adverse_events
    found = [t for t, rate in p.rates.items() if chair.rng.random() < rate * p.scale]
    if severe:
        found.append("blood pressure increased")
    for kind in found:
        onset = started + timedelta(minutes=chair.rng.randrange(5, duration))
        severity = (
            "moderate" if kind == "blood pressure increased" else chair.rng.choice(SEVERITIES)
        )
        detail = {
            "type": kind,
            "severity": severity,
            "onset_minutes_ago": 0,
            "note": "",
            "onset": onset.isoformat(),
        }
        ae = chair.event("adverse_event", onset, detail)
        resolved = onset + timedelta(minutes=chair.rng.randrange(10, 45))
        chair.event("adverse_event_resolved", resolved, {"event": str(ae["id"])})
