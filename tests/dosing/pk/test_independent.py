"""Against independent implementations computed at test time (values kept outside the repo):
PyTCI ``Three`` (exact mode), scipy ``expm`` and scipy ``solve_ivp``."""

from __future__ import annotations

import numpy as np
import pytest

from ketacare.dosing.pk.engine import Bolus, Infusion, simulate, simulate_subjects
from ketacare.dosing.pk.models import PkModel
from ketacare.dosing.pk.population import sample_subjects
from ketacare.dosing.pk.regimen import Dose
from tests.dosing.pk.oracles import expm_cp, ode_cp, pytci_cp, subject_from

pytest.importorskip("PyTCI")

MODEL_IDS = ("domino", "clements", "hijazi", "herd", "kamp")
REGIMENS: dict[str, list[Dose]] = {
    "antidepressant": [Infusion(35.0, 0.0, 40.0)],
    "bolus, infusion, top-up": [Bolus(10.0, 0.0), Infusion(30.0, 5.0, 40.0), Bolus(5.0, 60.0)],
    "two infusions with a gap": [Infusion(20.0, 0.0, 20.0), Infusion(25.0, 50.0, 60.0)],
}
TIMES = np.array([0.5, 5, 20, 39.9, 40, 40.1, 45, 60, 61, 100, 111, 240, 480, 1440.0])


@pytest.mark.parametrize("model_id", MODEL_IDS)
@pytest.mark.parametrize("regimen_name", sorted(REGIMENS))
class TestAgainstReferences:
    def test_pytci_exact(
        self, models: dict[str, PkModel], model_id: str, regimen_name: str
    ) -> None:
        model, regimen = models[model_id], REGIMENS[regimen_name]
        for weight in (55.0, 70.0, 110.0):
            ours = simulate(model, weight, regimen, TIMES)
            theirs = pytci_cp(subject_from(model.micro(weight)), regimen, TIMES)
            np.testing.assert_allclose(ours, theirs, rtol=1e-10)

    def test_scipy_expm(self, models: dict[str, PkModel], model_id: str, regimen_name: str) -> None:
        model, regimen = models[model_id], REGIMENS[regimen_name]
        ours = simulate(model, 70.0, regimen, TIMES)
        np.testing.assert_allclose(
            ours, expm_cp(subject_from(model.micro(70.0)), regimen, TIMES), rtol=1e-11
        )

    def test_solve_ivp(self, models: dict[str, PkModel], model_id: str, regimen_name: str) -> None:
        model, regimen = models[model_id], REGIMENS[regimen_name]
        ours = simulate(model, 70.0, regimen, TIMES)
        np.testing.assert_allclose(
            ours, ode_cp(subject_from(model.micro(70.0)), regimen, TIMES), rtol=1e-8
        )


def test_population_subjects_against_pytci(models: dict[str, PkModel]) -> None:
    """Vectorised over subjects: every sampled Herd subject matches PyTCI on its own."""
    model = models["herd"]
    cvs = {n: p.cv_percent or 0.0 for n, p in model.parameters.items()}
    subjects = sample_subjects(model, 70.0, cvs, 25, seed=7)
    grid = np.linspace(0.0, 520.0, 481)
    ours = simulate_subjects(subjects, REGIMENS["antidepressant"], grid)
    for i in range(0, 25, 6):
        theirs = pytci_cp(subject_from(subjects, i), REGIMENS["antidepressant"], grid)
        np.testing.assert_allclose(ours[i, 1:], theirs[1:], rtol=1e-10)
