"""``ketacare score``: the same scoring as the app, for researchers and integrators."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from ketacare.cli import app as cli

runner = CliRunner()


class TestScore:
    def test_json_result_with_suicide_flag(self) -> None:
        result = runner.invoke(cli, ["score", "phq9", "--answers", "1,2,1,2,1,0,1,0,1", "--json"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert (body["instrument"], body["total"], body["severity"]) == ("phq9", 9, "mild")
        assert any("suicid" in flag["name"] for flag in body["flags"])

    def test_cssrs_with_items_not_asked(self) -> None:
        result = runner.invoke(
            cli, ["score", "cssrs_screener", "--answers", "1,0,-,-,-,1,1", "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["risk"] == "high"

    def test_list(self) -> None:
        result = runner.invoke(cli, ["score", "--list"])
        assert result.exit_code == 0
        assert "phq9" in result.stdout and "cssrs_screener" in result.stdout

    def test_bad_answer_exits_2_naming_the_item(self) -> None:
        result = runner.invoke(cli, ["score", "phq9", "--answers", "1,1,1,1,1,1,1,1,9"])
        assert result.exit_code == 2
        assert "item 9: must be one of 0, 1, 2, 3" in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_unknown_instrument(self) -> None:
        result = runner.invoke(cli, ["score", "bdi", "--answers", "1"])
        assert result.exit_code == 2
        assert "unknown instrument 'bdi'" in result.output


class TestCsv:
    def test_scores_every_row(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.csv", tmp_path / "out.csv"
        source.write_text(
            "id,1,2,3,4,5,6,7\np1,0,0,0,0,0,0,0\np2,3,3,3,3,3,3,3\np3,1,1,1,1,1,1,0\n"
        )
        result = runner.invoke(cli, ["score", "gad7", "--csv", str(source), "--out", str(target)])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(target.open()))
        assert [(r["id"], r["total"], r["severity"]) for r in rows] == [
            ("p1", "0", "minimal"),
            ("p2", "21", "severe"),
            ("p3", "6", "mild"),
        ]

    def test_bad_row_names_row_and_item_and_writes_nothing(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.csv", tmp_path / "out.csv"
        source.write_text("1,2,3,4,5,6,7\n0,0,0,0,0,0,0\n0,0,x,0,0,0,0\n")
        result = runner.invoke(cli, ["score", "gad7", "--csv", str(source), "--out", str(target)])
        assert result.exit_code == 2
        assert "row 3: item 3: 'x' is not a whole number" in result.output
        assert not target.exists()


class TestOptionalTrailingItem:
    def test_phq9_with_or_without_item_10(self) -> None:
        for given in ("1,1,1,1,1,1,1,1,0", "1,1,1,1,1,1,1,1,0,2"):
            result = runner.invoke(cli, ["score", "phq9", "--answers", given, "--json"])
            assert result.exit_code == 0, result.output
            assert json.loads(result.stdout)["total"] == 8
