"""``ketacare pk``: models with citations, simulate as JSON, one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ketacare.cli import app as cli

runner = CliRunner()
DOMINO = ["pk", "simulate", "--model", "domino", "--weight-kg", "70"]


class TestModels:
    def test_lists_sets_with_citations(self) -> None:
        result = runner.invoke(cli, ["pk", "models"])
        assert result.exit_code == 0, result.output
        for model_id in ("domino", "clements", "hijazi", "herd", "kamp"):
            assert model_id in result.stdout
        assert "PMID 17564643" in result.stdout

    def test_json(self) -> None:
        result = runner.invoke(cli, ["pk", "models", "--json"])
        rows = {row["id"]: row for row in json.loads(result.stdout)}
        assert rows["herd"]["variability"] and rows["domino"]["variability"] is None
        assert all(row["citation"] for row in rows.values())


class TestSimulate:
    def test_issue_example(self) -> None:
        result = runner.invoke(cli, [*DOMINO, "--infusion", "35@0+40", "--at", "40,60", "--json"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["model"] == "domino" and body["times_min"] == [40, 60]
        assert body["cp_ng_ml"] == pytest.approx([240.331, 55.108], rel=1e-5)
        assert "percentiles" not in body

    def test_repeated_infusions_and_boluses(self) -> None:
        args = [*DOMINO, "--infusion", "20@0+20", "--infusion", "15@30+20", "--bolus", "5@60"]
        result = runner.invoke(cli, [*args, "--bolus", "2@90", "--at", "10,60,90", "--json"])
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)["cp_ng_ml"]) == 3

    def test_population_adds_percentiles(self) -> None:
        args = ["pk", "simulate", "--model", "herd", "--weight-kg", "70", "--infusion", "35@0+40"]
        result = runner.invoke(
            cli, [*args, "--at", "40,60", "--population", "500", "--seed", "4", "--json"]
        )
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert set(body["percentiles"]) == {"5", "50", "95"}
        assert body["population"]["n"] == 500 and body["population"]["seed"] == 4
        p5, p95 = body["percentiles"]["5"][0], body["percentiles"]["95"][0]
        assert p5 < body["cp_ng_ml"][0] < p95
        again = runner.invoke(
            cli, [*args, "--at", "40,60", "--population", "500", "--seed", "4", "--json"]
        )
        assert again.stdout == result.stdout

    def test_assumed_cv_is_reported(self) -> None:
        args = [*DOMINO, "--infusion", "35@0+40", "--at", "40", "--population", "200"]
        result = runner.invoke(cli, [*args, "--assumed-cv", "25", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["population"]["variability"].startswith("ASSUMPTION")

    def test_table_output(self) -> None:
        result = runner.invoke(cli, [*DOMINO, "--infusion", "35@0+40", "--at", "40,60"])
        assert result.exit_code == 0
        assert "240.33" in result.stdout and "55.11" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "ketamax", "--weight-kg", "70", "--infusion", "35@0+40"], "unknown model"),
        ([*DOMINO[2:], "--infusion", "-35@0+40"], "infusion 1 mg: must be >= 0"),
        ([*DOMINO[2:], "--bolus", "-5@10"], "bolus 1 mg: must be >= 0"),
        ([*DOMINO[2:], "--infusion", "35@0+40", "--infusion", "5@30+20"], "overlaps infusion 1"),
        ([*DOMINO[2:], "--infusion", "35@0"], "expected MG@START+MINUTES"),
        ([*DOMINO[2:], "--infusion", "35mg@0+40"], "'35mg' is not a number"),
        ([*DOMINO[2:], "--infusion", "35@0+0"], "duration_min"),
        ([*DOMINO[2:], "--bolus", "5"], "expected MG@MINUTE"),
        ([*DOMINO[2:], "--infusion", "35@0+40", "--at", "10,x"], "--at"),
        ([*DOMINO[2:], "--infusion", "35@0+40", "--at", "-5"], "times_min"),
        (["--model", "domino", "--weight-kg", "0", "--infusion", "35@0+40"], "weight_kg"),
        ([*DOMINO[2:], "--infusion", "35@0+40", "--population", "100"], "no published"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["pk", "simulate", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
