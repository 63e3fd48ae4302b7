"""One synthetic infusion at the chair: the session, its event log, vitals and adverse events."""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from ketacare.dosing.rules import Dose
from ketacare.synth import chair_scales
from ketacare.synth.intake import clamp
from ketacare.synth.rows import Context, Row, Rows, Setup, record
from ketacare.treatment import vitals_rules

SEVERITIES = ("mild", "mild", "mild", "moderate")  # synthetic choice: most events are mild


class Chair:
    """Builds one session's rows; ``tolerated`` is false when a reading advised stopping."""

    def __init__(
        self, ctx: Context, setup: Setup, rng: random.Random, rows: Rows, session: Row
    ) -> None:
        self.ctx, self.rng, self.rows, self.session = ctx, rng, rows, session
        self.thresholds = setup.protocol.thresholds
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
        alerts = vitals_rules.check(reading, self.thresholds)
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
    setup: Setup,
    rng: random.Random,
    rows: Rows,
    planned: Row,
    dose: Dose,
    checked_in: datetime,
) -> tuple[bool, datetime]:
    """A discharged, signed session for a planned course session; (tolerated, discharged at).

    IV: a 40-min infusion, vitals every 10 min during and 15 min after, 60 min observation.
    Esketamine: one device every 5 min (label), vitals at the protocol's minutes (40, then every
    30) and at least 120 min from the first device to discharge (label, discharge.toml).
    """
    p, staff, protocol = ctx.parameters, ctx.staff, setup.protocol
    iv = setup.treatment == "iv_ketamine"
    devices = dose.devices or 0
    # Esketamine: dosing ends 5 min after the last device (the label's rest between devices).
    duration = round(protocol.infusion.duration_min) if protocol.infusion else 5 * devices
    prechecked = checked_in + timedelta(minutes=10)
    started = checked_in + timedelta(minutes=15)
    ended = started + timedelta(minutes=duration)
    observation = protocol.monitoring.observation_min
    discharged = (ended if iv else started) + timedelta(minutes=observation)
    signed = discharged + timedelta(minutes=5)
    session = rows.add(
        "treatment_sessions",
        **record(ctx, rng, staff.nurse, checked_in),
        course_session_id=planned["id"],
        patient_id=planned["patient_id"],
        treatment=setup.treatment,
        state="discharged",
        checked_in_at=checked_in,
        ordered_dose_mg=dose.dose_mg,
        ordered_rate_ml_per_h=dose.rate_ml_per_h,
        final_volume_ml=dose.final_volume_ml,
        devices_ordered=dose.devices,
        order_signed_by=staff.physician,
        order_signed_at=prechecked,
        lot_number=f"SYN{rng.randrange(10_000, 99_999)}",
        route=protocol.route,
        dosing_started_at=started,
        dosing_ended_at=ended,
        discharged_at=discharged,
        note=(
            "Infusion given as ordered; discharged with escort (synthetic)."
            if iv
            else "Devices given as ordered; observed 2 h; discharged with escort (synthetic)."
        ),
        signed_by=staff.nurse,
        signed_at=signed,
    )
    chair = Chair(ctx, setup, rng, rows, session)
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
    if iv:
        chair.event("pump.start", started, {"rate_ml_per_h": dose.rate_ml_per_h})
    for number in range(1, devices + 1):
        chair.event(
            "device_given", started + timedelta(minutes=5 * (number - 1)), {"number": number}
        )
    severe = rng.random() < v.severe_hypertension_per_session
    rise = rng.uniform(0.3, 1.7)
    readings = _minutes(ctx, setup, duration)
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
    _adverse_events(chair, started, max(duration, 40), severe)
    chair_scales.record(ctx, setup, rng, rows, planned["patient_id"], started, discharged)
    chair.move("end_dosing", "dosing", "observation", ended, delivered_mg=dose.dose_mg)
    chair.move("discharge", "observation", "discharged", discharged, unmet=[])
    chair.event("signed", signed, {})
    return chair.tolerated, discharged


def _minutes(ctx: Context, setup: Setup, duration: int) -> list[int]:
    """Reading times, in minutes after dosing started: IV at the synthetic clinic's cadence
    (parameters.toml, the shipped protocol's), esketamine at the protocol's own."""
    if setup.treatment == "iv_ketamine":
        v = ctx.parameters.vitals
        during, after, end = v.every_min_during, v.every_min_after, duration + v.observation_min
    else:
        m = setup.protocol.monitoring
        during, after, end = m.vitals_every_min_during, m.vitals_every_min_after, m.observation_min
    minute, found = during, []
    while minute <= end:
        found.append(minute)
        minute += during if minute < duration else after
    if found[-1] != end:
        found.append(end)  # a last reading before discharge
    return found


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
