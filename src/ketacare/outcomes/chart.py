"""Kaplan-Meier step charts as inline SVG (through ``kit.web.svg``)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from ketacare.kit.web.svg import figure_svg
from ketacare.outcomes.cohort import Survival

INK, MUTED = "#102a43", "#52606d"
COLOURS = ("#1f6f8b", "#b5651d", "#3c7d3c", "#7a4f9a", "#9c2f2f")


def km_svg(title: str, x_label: str, curves: Sequence[tuple[str, Survival]]) -> str:
    """One step line per curve: survival 1 at time 0, a step at each event time."""
    shown = [(label, s) for label, s in curves if s.subjects]

    def draw(figure: Figure) -> None:
        axes = figure.add_axes((0.09, 0.16, 0.62, 0.74))
        for index, (label, survival) in enumerate(shown):
            times = [0.0] + [step.time for step in survival.steps]
            values = [1.0] + [step.survival for step in survival.steps]
            colour = COLOURS[index % len(COLOURS)]
            axes.step(
                times, values, where="post", color=colour, label=f"{label} (n={survival.subjects})"
            )
        axes.set_ylim(0, 1.05)
        axes.set_xlim(left=0)
        axes.set_xlabel(x_label, color=MUTED)
        axes.set_ylabel("Proportion", color=MUTED)
        axes.set_title(title, color=INK, loc="left")
        if shown:
            axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)

    desc = "; ".join(
        f"{label}: {s.subjects} patients, {s.events} events, median "
        + ("not reached" if s.median_days is None else f"{s.median_days:.0f} days")
        for label, s in shown
    )
    return figure_svg(draw, 720, 300, title, desc or "no patients")
