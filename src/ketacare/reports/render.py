"""One template, two outputs: the HTML preview and the PDF (WeasyPrint), with vector charts.

The PDF never fetches anything: the stylesheet is passed in, charts are inline SVG, and the URL
fetcher refuses every URL but ``data:`` (no remote fetches, no files from the server's disk).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from ketacare.kit.web.templates import templates
from ketacare.reports.content import Report

TEMPLATES = {"letter": "reports/letter.html", "progress": "reports/progress.html"}
CSS_URL = "/reports/print.css"


@cache
def stylesheet() -> str:
    return resources.files("ketacare.reports").joinpath("print.css").read_text(encoding="utf-8")


def html(kind: str, report: Report, *, pdf: bool, extra: dict[str, Any] | None = None) -> str:
    """``pdf``: inline the stylesheet and leave out the preview's form and links."""
    context = {"report": report, "pdf": pdf, "css_url": CSS_URL, **(extra or {})}
    return templates.env.get_template(TEMPLATES[kind]).render(context)


def pdf(kind: str, report: Report) -> bytes:
    from weasyprint import CSS, HTML  # imported on use: loading Pango takes a moment
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):  # type: ignore[misc]  # weasyprint is untyped
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"reports fetch nothing: {url}")
            return super().fetch(url, headers)

    base = str(resources.files("ketacare.reports").joinpath("templates"))
    document = HTML(
        string=html(kind, report, pdf=True),
        base_url=f"file://{base}/",
        url_fetcher=LocalOnly(),
    )
    data: bytes = document.write_pdf(stylesheets=[CSS(string=stylesheet())])
    return data
