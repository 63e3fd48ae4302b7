"""Instrument files: validated at start-up; broken files are named; a clinic can override."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from ketacare.scales.definitions import InstrumentFileError, load_instruments

SHIPPED = (
    "phq9",
    "gad7",
    "qids_sr16",
    "madrs",
    "hamd17",
    "cadss",
    "cadss6",
    "bprs_positive",
    "moaas",
    "aldrete",
    "cssrs_screener",
)


def shipped_text(name: str) -> str:
    return resources.files("ketacare.scales").joinpath(f"instruments/{name}.toml").read_text()


class TestShipped:
    def test_every_instrument_loads_with_citation_and_licence(self) -> None:
        instruments = load_instruments()
        assert set(SHIPPED) <= set(instruments)
        for instrument in instruments.values():
            assert instrument.citation and instrument.licence

    def test_licensed_wording_is_short_labels_only(self) -> None:
        instruments = load_instruments()
        for licensed in ("madrs", "cadss", "cssrs_screener", "qids_sr16"):
            assert instruments[licensed].wording == "short_labels"

    def test_loinc_codes_where_confirmed(self) -> None:
        phq9 = load_instruments()["phq9"]
        assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
        assert phq9.item("9").loinc == "44260-8"


class TestBrokenFiles:
    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            (('options = "frequency"', 'options = "often"'), "clinic_phq9.toml: items[0].options"),
            (("max = 4", "max = 3"), "clinic_phq9.toml: bands"),
            (('rater = "self"', 'rater = "robot"'), "clinic_phq9.toml: rater"),
            (("[[items]]", "[[items"), "clinic_phq9.toml: not valid TOML"),
        ],
    )
    def test_message_names_file_and_field(
        self, tmp_path: Path, change: tuple[str, str], expected: str
    ) -> None:
        text = shipped_text("phq9").replace(change[0], change[1], 1)
        (tmp_path / "clinic_phq9.toml").write_text(text)
        with pytest.raises(InstrumentFileError) as raised:
            load_instruments(tmp_path)
        assert str(raised.value).startswith(expected)

    def test_broken_file_stops_app_start_up(self, tmp_path: Path) -> None:
        from ketacare.app import create_app
        from tests.conftest import make_settings

        (tmp_path / "bad.toml").write_text('id = "x"\n')
        with pytest.raises(InstrumentFileError, match=r"bad\.toml"):
            create_app(
                make_settings(f"sqlite:///{tmp_path / 'db.sqlite'}", instruments_dir=tmp_path)
            )


class TestClinicOverride:
    def test_same_id_replaces_the_shipped_wording(self, tmp_path: Path) -> None:
        text = shipped_text("madrs").replace(
            'label = "Apparent sadness"', 'label = "Licensed full wording of item 1"'
        )
        text = text.replace('wording = "short_labels"', 'wording = "full"')
        (tmp_path / "madrs_licensed.toml").write_text(text)
        madrs = load_instruments(tmp_path)["madrs"]
        assert madrs.items[0].label == "Licensed full wording of item 1"
        assert madrs.wording == "full"
