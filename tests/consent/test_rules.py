"""Pure consent rules: name matching, the signing-date window, status, reading layout."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ketacare.consent import rules
from ketacare.consent.rules import SignatureFacts, judge

WORD = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=12)
SPACES = st.text(alphabet=" \t", min_size=1, max_size=4)
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


class TestNameMatching:
    @given(WORD, WORD, SPACES, SPACES, SPACES)
    def test_case_and_extra_spaces_do_not_matter(
        self, given_name: str, family: str, before: str, between: str, after: str
    ) -> None:
        typed = f"{before}{given_name.upper()}{between}{family.lower()}{after}"
        assert rules.name_matches(typed, given_name, family)

    @given(WORD, WORD)
    def test_family_name_first_is_accepted(self, given_name: str, family: str) -> None:
        assert rules.name_matches(f"{family} {given_name}", given_name, family)

    @given(WORD, WORD, WORD)
    def test_another_word_never_matches(self, given_name: str, family: str, extra: str) -> None:
        assert not rules.name_matches(f"{given_name} {extra} {family}", given_name, family)

    @given(WORD, WORD)
    def test_a_part_of_the_name_is_not_enough(self, given_name: str, family: str) -> None:
        assert not rules.name_matches(given_name, given_name, family + "x")
        assert not rules.name_matches("", given_name, family)

    def test_examples(self) -> None:
        assert rules.name_matches("  ada   LOVELACE ", "Ada", "Lovelace")
        assert rules.name_matches("José García", "JOSÉ", "garcía")
        assert rules.name_matches("Jose Garcia", "José", "García")  # no accents on the keyboard
        assert rules.name_matches("IŞIK Çelik", "I\u015f\u0131k", "Çelik")
        assert not rules.name_matches("Ada Byron", "Ada", "Lovelace")
        assert not rules.name_matches("AdaLovelace", "Ada", "Lovelace")


class TestSigningDate:
    @given(DAYS, st.integers(-1, 1))
    def test_today_and_one_day_either_side_are_accepted(self, today: date, shift: int) -> None:
        assert rules.signed_on_problem(today + timedelta(days=shift), today) is None

    @given(DAYS, st.integers(2, 3650))
    def test_later_dates_are_in_the_future(self, today: date, ahead: int) -> None:
        problem = rules.signed_on_problem(today + timedelta(days=ahead), today)
        assert problem is not None and "future" in problem

    @given(DAYS, st.integers(2, 3650))
    def test_earlier_dates_are_back_dating(self, today: date, back: int) -> None:
        problem = rules.signed_on_problem(today - timedelta(days=back), today)
        assert problem is not None and "back-dated" in problem


class TestJudge:
    @given(st.integers(1, 50), st.integers(1, 50), DAYS)
    def test_valid_only_when_signed_version_is_current(
        self, signed: int, current: int, on: date
    ) -> None:
        valid, reason = judge(SignatureFacts(signed, on), current)
        assert valid == (signed >= current)
        if not valid:
            assert reason == f"a new version ({current}) needs a new signature"

    @given(st.integers(1, 50), DAYS, DAYS)
    def test_withdrawn_is_never_valid(self, version: int, on: date, withdrawn: date) -> None:
        valid, reason = judge(SignatureFacts(version, on, withdrawn, "changed mind"), version)
        assert not valid and reason == f"withdrawn on {withdrawn}: changed mind"

    def test_reasons(self) -> None:
        assert judge(None, 1) == (False, "no consent on file")
        assert judge(SignatureFacts(2, date(2026, 11, 29)), 2) == (
            True,
            "signed version 2 on 2026-11-29",
        )


class TestText:
    @given(st.text(max_size=400))
    def test_hash_is_stable_and_normalising_twice_changes_nothing(self, text: str) -> None:
        once = rules.normalise_body(text)
        assert rules.normalise_body(once) == once
        assert rules.sha256_of(once) == rules.sha256_of(once)
        assert "\r" not in once

    def test_blocks(self) -> None:
        found = rules.blocks("## Why\nBecause it may help\nyou.\n\n- one\n- two\n\nPlain.")
        assert [(b.kind, b.lines) for b in found] == [
            ("heading", ("Why",)),
            ("paragraph", ("Because it may help you.",)),
            ("list", ("one", "two")),
            ("paragraph", ("Plain.",)),
        ]

    @given(st.text(max_size=300))
    def test_blocks_keep_every_word(self, text: str) -> None:
        words = [w.lstrip("#") for w in text.split()]
        shown = " ".join(line for b in rules.blocks(text) for line in b.lines).split()
        kept = [w for w in words if w and w not in ("-", "*")]
        assert all(word in " ".join(shown) for word in kept)

    def test_treatments(self) -> None:
        assert rules.treatment_of("esketamine") == "esketamine"
        assert rules.treatment_of("ESKETAMINE") is None
