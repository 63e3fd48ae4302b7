"""Which of the clinic's own figures stands beside a published result on the dashboard.

Only like with like: response or remission at the end of induction on the instrument the
publication names, and induction not completed. A published remission is matched to the
instrument's cut-off it names (``MADRS <=12``), or to its only cut-off when it names none; a figure
the publication does not define closely enough (no instrument, several cut-offs and none named)
gets no clinic figure rather than a guess. Time points still differ, as the page says.
"""

from __future__ import annotations

from ketacare.outcomes.benchmarks import Benchmark
from ketacare.outcomes.cohort import Figures
from ketacare.outcomes.stats import Proportion, proportion


def clinic_figure(published: Benchmark, figures: Figures) -> tuple[str, Proportion] | None:
    """The clinic's figure for ``published`` with a short label of what it is, or None."""
    if published.measure == "induction_not_completed":
        done = figures.induction_completion
        return "induction not completed", proportion(done.n - done.successes, done.n)
    if published.measure not in ("response", "remission") or published.instrument is None:
        return None
    found = next((f for f in figures.instruments if f.instrument_id == published.instrument), None)
    if found is None:
        return None
    if published.measure == "response":
        return "response at end of induction", found.response
    named = [(cut, p) for cut, p in found.remission if published.definition.startswith(cut)]
    if named:
        return named[0]
    if len(found.remission) == 1:
        return found.remission[0]
    return None
