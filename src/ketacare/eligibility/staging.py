"""Treatment-resistance staging from a trial ledger: EU-PEARL, Thase-Rush and Maudsley. Pure.

Sources: ../shared/reference/clinical.md §4 (EU-PEARL: Sforzini 2022; Thase & Rush 1997 via a
summary; Maudsley Staging Method: Fekadu 2009, standardised in BMC Psychiatry 2018). Every result
carries its reasoning line by line; rules whose detail the reference marks unconfirmed say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ketacare.eligibility.adequacy import SHIPPED, AdequacyTable

TrialKind = Literal["antidepressant", "augmentation", "ect", "psychotherapy"]

# EU-PEARL (96% agreement): failure = under 25% improvement at adequate dose and duration. The
# minimum duration (week 4) and per-drug minimum doses live in the adequacy table.
FAILURE_BELOW_IMPROVEMENT_PCT = 25.0


@dataclass(frozen=True)
class Trial:
    kind: TrialKind
    name: str  # drug (generic), ECT course, or psychotherapy
    drug_class: str | None = None  # e.g. "SSRI", "SNRI", "TCA", "MAOI"
    adequate_dose: bool = True  # the physician's judgement, used where the table has no minimum
    daily_dose_mg: float | None = None  # highest daily dose reached
    weeks_at_dose: float = 0.0
    improvement_pct: float | None = None
    current_episode: bool = True
    bilateral: bool = False  # ECT only


@dataclass(frozen=True)
class Judgement:
    trial: Trial
    counts_as_failure: bool
    reason: str


def _dose_check(trial: Trial, table: AdequacyTable) -> tuple[bool, str]:
    """Whether the dose was adequate and on what authority."""
    minimum = table.minimum_for(trial.name)
    if minimum is None or trial.daily_dose_mg is None:
        missing = "no minimum in the clinic's table" if minimum is None else "dose not recorded"
        return trial.adequate_dose, f"dose adequacy is the physician's judgement ({missing})"
    dose, floor = trial.daily_dose_mg, minimum.min_daily_mg
    sign = "at or above" if dose >= floor else "below"
    return (
        dose >= floor,
        f"{dose:g} mg/day is {sign} the minimum {floor:g} mg/day ({minimum.source})",
    )


def judge(trial: Trial, table: AdequacyTable = SHIPPED) -> Judgement:
    """Whether one trial counts as an adequate failed treatment, and why."""
    if trial.kind == "psychotherapy":
        return Judgement(trial, False, "psychotherapy is recorded but not counted (EU-PEARL)")
    if not trial.current_episode:
        return Judgement(trial, False, "not in the current episode")
    dose_note = ""
    if trial.kind != "ect":
        adequate, dose_note = _dose_check(trial, table)
        if not adequate:
            return Judgement(trial, False, f"dose below the adequate minimum: {dose_note}")
    min_weeks = table.duration.min_weeks
    if trial.weeks_at_dose < min_weeks:
        return Judgement(
            trial,
            False,
            f"stopped before week {min_weeks:g} ({trial.weeks_at_dose:g} weeks at dose)",
        )
    if trial.improvement_pct is None:
        return Judgement(trial, False, "improvement not recorded")
    if trial.improvement_pct >= FAILURE_BELOW_IMPROVEMENT_PCT:
        return Judgement(
            trial,
            False,
            f"{trial.improvement_pct:g}% improvement is not a failure "
            f"(needs under {FAILURE_BELOW_IMPROVEMENT_PCT:g}%)",
        )
    reason = f"adequate trial, {trial.improvement_pct:g}% improvement"
    return Judgement(trial, True, f"{reason}; {dose_note}" if dose_note else reason)


@dataclass(frozen=True)
class EuPearl:
    failed_treatments: int
    treatment_resistant: bool
    judgements: tuple[Judgement, ...]


def eu_pearl(trials: list[Trial], table: AdequacyTable = SHIPPED) -> EuPearl:
    """TRD = at least two failed adequate treatments in the current episode (antidepressant
    monotherapy or augmentation; ECT courses are shown but the definition counts medicines)."""
    judgements = tuple(judge(trial, table) for trial in trials)
    failed = sum(1 for j in judgements if j.counts_as_failure and j.trial.kind != "ect")
    return EuPearl(failed, failed >= 2, judgements)


@dataclass(frozen=True)
class Stage:
    stage: int  # 0-5 (printed as 0, I ... V)
    reasoning: tuple[str, ...]

    @property
    def roman(self) -> str:
        return ("0", "I", "II", "III", "IV", "V")[self.stage]


def thase_rush(trials: list[Trial], table: AdequacyTable = SHIPPED) -> Stage:
    """Thase-Rush: I one failed class; II a second class; III plus a TCA; IV plus an MAOI;
    V plus bilateral ECT. Stage 0 when an adequate trial responded. The model assumes the
    TCA/MAOI hierarchy and ignores augmentation (its known limits, clinical.md §4b)."""
    judgements = [judge(t, table) for t in trials if t.kind in ("antidepressant", "ect")]
    failed_classes = {
        j.trial.drug_class
        for j in judgements
        if j.counts_as_failure and j.trial.kind == "antidepressant" and j.trial.drug_class
    }
    ect_failed = any(
        j.counts_as_failure and j.trial.kind == "ect" and j.trial.bilateral for j in judgements
    )
    reasoning = [
        f"failed adequate trials in classes: {', '.join(sorted(failed_classes)) or 'none'}"
    ]
    if not failed_classes:
        responded = any(
            j.trial.improvement_pct is not None
            and j.trial.improvement_pct >= 50
            and j.trial.adequate_dose
            for j in judgements
        )
        reasoning.append(
            "responded to an adequate trial" if responded else "no failed adequate trial"
        )
        return Stage(0, tuple(reasoning))
    # Read literally: each stage adds a failure on top of the one before, so stage III needs a
    # TCA beyond two other failed classes, and stage IV an MAOI beyond that.
    others = failed_classes - {"TCA", "MAOI"}
    stage = 1 if len(failed_classes) == 1 else 2
    if len(others) >= 2 and "TCA" in failed_classes:
        stage = 3
        if "MAOI" in failed_classes:
            stage = 5 if ect_failed else 4
    reasoning.append(
        f"stage {Stage(stage, ()).roman}: "
        + {
            1: "one class failed",
            2: "two or more classes failed",
            3: "two classes and then a TCA failed",
            4: "two classes, a TCA and an MAOI failed",
            5: "two classes, a TCA, an MAOI and bilateral ECT failed",
        }[stage]
    )
    reasoning.append("augmentation is not part of Thase-Rush")
    return Stage(stage, tuple(reasoning))


Severity = Literal["subsyndromal", "mild", "moderate", "severe", "severe_psychotic"]
_SEVERITY_POINTS = {"subsyndromal": 1, "mild": 2, "moderate": 3, "severe": 4, "severe_psychotic": 5}


@dataclass(frozen=True)
class Maudsley:
    duration_points: int
    severity_points: int
    failure_points: int
    augmentation_points: int
    ect_points: int
    total: int
    band: str  # mild 3-6, moderate 7-10, severe 11-15
    notes: tuple[str, ...]


def maudsley(
    episode_months: int,
    severity: Severity,
    failed_antidepressants: int,
    augmentation_used: bool,
    ect_used: bool,
) -> Maudsley:
    duration = 1 if episode_months <= 12 else 2 if episode_months <= 24 else 3
    failures = (
        0
        if failed_antidepressants == 0
        else 1
        if failed_antidepressants <= 2
        else 2
        if failed_antidepressants <= 4
        else 3
        if failed_antidepressants <= 6
        else 4
        if failed_antidepressants <= 10
        else 5
    )
    total = (
        duration + _SEVERITY_POINTS[severity] + failures + int(augmentation_used) + int(ect_used)
    )
    band = "mild" if total <= 6 else "moderate" if total <= 10 else "severe"
    notes: tuple[str, ...] = (
        "treatment-failure bands (1-2, 3-4, 5-6, 7-10, >10 drugs), augmentation and ECT "
        "points are unconfirmed in the reference (consistent with the published totals)",
    )
    if failed_antidepressants == 0:
        notes += (
            "no failed antidepressant: the method assumes at least one, so the total "
            "can fall below its published range of 3-15",
        )
    return Maudsley(
        duration,
        _SEVERITY_POINTS[severity],
        failures,
        int(augmentation_used),
        int(ect_used),
        total,
        band,
        notes,
    )
