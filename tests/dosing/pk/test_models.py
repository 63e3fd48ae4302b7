"""Parameter sets as data: the five sets load, carry citations, and match pk.md §1c."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from ketacare.dosing.pk import linear
from ketacare.dosing.pk.models import ParameterFileError, PkModel, load_file, load_models

# pk.md §1c, derived at 70 kg [C]: V1 (L), CL (L/min), Vss (L), half-lives (min).
DERIVED = {
    "domino": (4.41, 1.932, 193.2, (0.4, 4.6, 114.6)),
    "clements": (122.65, 1.337, 289.2, (17.6, 182.9)),
    "hijazi": (75.60, 2.517, 297.4, (16.2, 296.7)),
    "herd": (38.70, 1.500, 140.7, (4.4, 80.4)),
    "kamp": (25.00, 1.400, 238.0, (2.8, 28.4, 183.8)),
}


class TestLoad:
    def test_the_five_sets_with_citations(self, models: dict[str, PkModel]) -> None:
        assert set(models) == {"domino", "clements", "hijazi", "herd", "kamp"}
        for model in models.values():
            assert model.citation and model.name
            assert model.source.confidence in ("A", "S")
        assert "17564643" in models["herd"].citation
        assert "10.1093/bja/53.1.27" in models["clements"].citation

    def test_only_herd_has_published_variability(self, models: dict[str, PkModel]) -> None:
        assert [m.id for m in models.values() if m.has_variability] == ["herd"]
        cvs = {name: p.cv_percent for name, p in models["herd"].parameters.items()}
        assert cvs == {"v1": 64.0, "v2": 51.7, "cl": 38.1, "q2": 19.0}

    @pytest.mark.parametrize("model_id", sorted(DERIVED))
    def test_derived_quantities_match_pk_md(
        self, models: dict[str, PkModel], model_id: str
    ) -> None:
        v1, cl, vss, half_lives = DERIVED[model_id]
        micro = models[model_id].micro(70.0)
        assert micro.v1_l[0] == pytest.approx(v1, abs=0.006)
        assert micro.k10[0] * micro.v1_l[0] == pytest.approx(cl, abs=0.0006)
        peripheral = micro.v1_l[0] * micro.k1p[0] / micro.kp1[0]
        assert micro.v1_l[0] + peripheral.sum() == pytest.approx(vss, abs=0.06)
        lam = linear.decompose(micro).lam[0]
        got = sorted(np.log(2) / -lam)
        assert got == pytest.approx(half_lives, abs=0.06)

    def test_weight_scaling(self, models: dict[str, PkModel]) -> None:
        herd = models["herd"].typical(35.0)
        assert herd["v1"] == pytest.approx(38.7 / 2)
        assert herd["cl"] == pytest.approx(90 / 60 * 0.5**0.75)
        assert models["domino"].typical(80.0)["v1"] == pytest.approx(0.063 * 80)
        assert models["kamp"].typical(140.0)["q3"] == pytest.approx(79 / 60 * 2)
        assert models["hijazi"].typical(50.0)["k10"] == 0.0333


class TestBrokenFiles:
    def write(self, folder: Path, name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text)
        return path

    def herd_text(self) -> str:
        shipped = resources.files("ketacare.dosing.pk") / "parameters" / "herd.toml"
        return shipped.read_text(encoding="utf-8")

    def test_bad_value_names_file_and_field(self, tmp_path: Path) -> None:
        text = self.herd_text().replace("value = 90.0", "value = -90.0")
        with pytest.raises(ParameterFileError, match=r"herd.toml: parameters.cl.value"):
            load_file(self.write(tmp_path, "herd.toml", text))

    def test_missing_parameter_is_named(self, tmp_path: Path) -> None:
        lines = [ln for ln in self.herd_text().splitlines() if not ln.startswith("q2 =")]
        with pytest.raises(
            ParameterFileError, match=r"herd.toml: .*needs parameters v1, v2, cl, q2"
        ):
            load_file(self.write(tmp_path, "herd.toml", "\n".join(lines)))

    def test_cv_without_source_refused(self, tmp_path: Path) -> None:
        lines = [ln for ln in self.herd_text().splitlines() if "variability_source" not in ln]
        with pytest.raises(ParameterFileError, match="variability_source"):
            load_file(self.write(tmp_path, "herd.toml", "\n".join(lines)))

    def test_not_toml(self, tmp_path: Path) -> None:
        with pytest.raises(ParameterFileError, match=r"x\.toml: not valid TOML"):
            load_file(self.write(tmp_path, "x.toml", "id = "))

    def test_id_must_match_file_name(self, tmp_path: Path) -> None:
        with pytest.raises(ParameterFileError, match=r"other\.toml: id"):
            load_file(self.write(tmp_path, "other.toml", self.herd_text()))

    def test_clinic_folder_overrides_by_id(self, tmp_path: Path) -> None:
        text = self.herd_text().replace('name = "Herd"', 'name = "Herd (clinic copy)"')
        self.write(tmp_path, "herd.toml", text)
        assert load_models(tmp_path)["herd"].name == "Herd (clinic copy)"
        assert load_models()["herd"].name == "Herd"
