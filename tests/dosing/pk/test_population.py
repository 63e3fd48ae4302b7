"""Population mode: log-normal BSV, reproducible by seed, refuses sets without variability."""

from __future__ import annotations

import numpy as np
import pytest

from ketacare.dosing.pk.engine import Infusion, simulate
from ketacare.dosing.pk.models import PkModel
from ketacare.dosing.pk.population import (
    NoVariability,
    percentiles,
    sample_subjects,
    simulate_population,
)
from ketacare.kit.errors import InvalidInput

REGIMEN = [Infusion(35.0, 0.0, 40.0)]


class TestHerd:
    def test_matches_pk_md_population_example(self, models: dict[str, PkModel]) -> None:
        # pk.md §2 [C], N = 20 000: Cp(40) 242 (166-353), Cp(80) 90 (44-161),
        # Cp(120) 63 (26-117), Cp(240) 23 (4-59). Different random draws: a few % apart.
        result = simulate_population(models["herd"], 70.0, REGIMEN, [40, 80, 120, 240], 20_000, 1)
        np.testing.assert_allclose(result.p50, [242, 90, 63, 23], rtol=0.03, atol=0.8)
        np.testing.assert_allclose(result.p5, [166, 44, 26, 4], rtol=0.04, atol=0.8)
        np.testing.assert_allclose(result.p95, [353, 161, 117, 59], rtol=0.03, atol=1.5)
        assert not result.assumed and "64%" in result.variability

    def test_same_seed_same_answer_other_seed_differs(self, models: dict[str, PkModel]) -> None:
        run = [
            simulate_population(models["herd"], 70, REGIMEN, [40, 90], 500, s) for s in (3, 3, 4)
        ]
        np.testing.assert_array_equal(run[0].p5, run[1].p5)
        np.testing.assert_array_equal(run[0].p95, run[1].p95)
        assert not np.array_equal(run[0].p50, run[2].p50)

    def test_typical_curve_and_band_order(self, models: dict[str, PkModel]) -> None:
        t = np.linspace(1, 480, 50)
        result = simulate_population(models["herd"], 80.0, REGIMEN, t, 2000, 5)
        np.testing.assert_array_equal(result.typical, simulate(models["herd"], 80.0, REGIMEN, t))
        assert np.all(result.p5 < result.p50) and np.all(result.p50 < result.p95)

    def test_log_normal_factors(self, models: dict[str, PkModel]) -> None:
        model = models["herd"]
        cvs = {n: p.cv_percent or 0.0 for n, p in model.parameters.items()}
        subjects = sample_subjects(model, 70.0, cvs, 200_000, seed=11)
        log_v1 = np.log(subjects.v1_l / 38.7)
        assert np.median(subjects.v1_l) == pytest.approx(38.7, rel=0.01)
        assert log_v1.std() == pytest.approx(np.sqrt(np.log1p(0.64**2)), rel=0.01)


class TestWithoutPublishedVariability:
    @pytest.mark.parametrize("model_id", ["domino", "clements", "hijazi", "kamp"])
    def test_refused_without_an_assumed_cv(self, models: dict[str, PkModel], model_id: str) -> None:
        with pytest.raises(NoVariability, match="no published between-subject variability"):
            simulate_population(models[model_id], 70.0, REGIMEN, [40], 100, 1)

    def test_assumed_cv_is_used_and_flagged(self, models: dict[str, PkModel]) -> None:
        result = simulate_population(
            models["kamp"], 70.0, REGIMEN, [40, 60], 1000, 1, assumed_cv_percent=30
        )
        assert result.assumed and result.variability.startswith("ASSUMPTION: CV 30%")
        assert np.all(result.p5 < result.typical) and np.all(result.typical < result.p95)

    def test_assumed_cv_refused_when_published_exists(self, models: dict[str, PkModel]) -> None:
        with pytest.raises(InvalidInput, match="assumed_cv_percent"):
            simulate_population(models["herd"], 70, REGIMEN, [40], 100, 1, assumed_cv_percent=30)

    @pytest.mark.parametrize(("n", "cv"), [(5, 30.0), (1000, 0.0), (1000, 150.0)])
    def test_bounds(self, models: dict[str, PkModel], n: int, cv: float) -> None:
        with pytest.raises(InvalidInput):
            simulate_population(models["kamp"], 70, REGIMEN, [40], n, 1, assumed_cv_percent=cv)


class TestPercentiles:
    @pytest.mark.parametrize("n", [10, 11, 1000, 1001])
    def test_equal_to_numpy_linear(self, n: int) -> None:
        values = np.random.default_rng(n).lognormal(size=(37, n))
        qs = (0.0, 5.0, 33.3, 50.0, 95.0, 100.0)
        expected = np.percentile(values, qs, axis=1)
        got = percentiles(values.copy(), qs)
        np.testing.assert_allclose(np.array(got), expected, rtol=1e-15, atol=0)

    def test_ties(self) -> None:
        values = np.array([[1.0] * 20 + [2.0] * 20])
        np.testing.assert_array_equal(
            np.array(percentiles(values.copy(), (5, 50, 95))),
            np.percentile(values, (5, 50, 95), axis=1),
        )
