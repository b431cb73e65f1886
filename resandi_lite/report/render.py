"""The report as text and files: Markdown, HTML, a table for the notebooks, ``report.md`` and ``report.json``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from .rows import SECTIONS, Row, _networks, counts

#: What a row beyond the paper shows in the paper's column and in the difference column.
NO_PAPER = "—"


def _cells(r: Row) -> tuple[str, str, str, str]:
    """The four printed cells of one row: quantity, paper, ours (with standard error), difference."""
    digits = 1 if r.unit else 3
    ours = (
        "not measured"
        if r.ours is None
        else f"{r.ours:.{digits}f}" + ("" if r.stderr is None else f" ± {r.stderr:.{digits}f}") + r.unit
    )
    if r.ours is not None and not np.isfinite(r.ours):
        ours = "undefined (no trajectory where the score is defined)"
    if r.beyond_paper:
        return r.quantity, NO_PAPER, ours, NO_PAPER
    diff = (
        ""
        if r.ours is None
        else f"{r.difference:+.{digits}f}" + ("" if r.same_sign in (None, True) else " (sign differs)")
    )
    return r.quantity, f"{r.paper:.{digits}f}{r.unit}", ours, diff


_HEADER = ("quantity", "paper", "ours (± standard error)", "difference")


def to_markdown(rows: list[Row]) -> str:
    """The table as Markdown, one block per section; correlations marked when the sign differs."""
    lines = []
    for section, title in SECTIONS.items():
        chosen = [r for r in rows if r.section == section]
        if not chosen:
            continue
        lines += [f"**{title}**", "", "| " + " | ".join(_HEADER) + " |", "| --- | ---: | ---: | ---: |"]
        lines += ["| " + " | ".join(_cells(r)) + " |" for r in chosen]
        lines.append("")
    return "\n".join(lines)


def to_html(rows: list[Row]) -> str:
    """The table as HTML: one ``<table>`` per section, headed by the section's title as its caption."""
    import html

    parts = []
    for section, title in SECTIONS.items():
        chosen = [r for r in rows if r.section == section]
        if not chosen:
            continue
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADER)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{"left" if k == 0 else "right"}">{html.escape(c)}</td>'
                for k, c in enumerate(_cells(r))
            )
            + "</tr>"
            for r in chosen
        )
        parts.append(
            f'<table class="reproduction-table" data-section="{html.escape(section)}">'
            f"<caption><strong>{html.escape(title)}</strong></caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(parts)


class Table:
    """The reproduction table as a notebook output: HTML in Jupyter and in the built book, Markdown elsewhere.

    The built book renders an output's ``text/html`` before its ``text/markdown``; MyST-NB reads
    ``text/markdown`` as CommonMark, which has no tables, so a Markdown table alone would print as pipe text.
    """

    def __init__(self, rows: list[Row]):
        self.rows = list(rows)

    def _repr_html_(self) -> str:
        return to_html(self.rows)

    def _repr_markdown_(self) -> str:
        return to_markdown(self.rows)

    def __repr__(self) -> str:
        return f"<reproduction table: {counts(self.rows)}>"


def table(rows: list[Row]) -> Table:
    """The rows as a displayable :class:`Table` (the last expression of a cell shows it as a table)."""
    return Table(rows)


def write_report(rows: list[Row], out_dir, networks: dict) -> dict:
    """Write ``out_dir/report.md`` and ``out_dir/report.json``: which networks were measured, and the table.

    Parameters
    ----------
    rows : list of Row
    out_dir : str or path-like
    networks : dict
        ``{"varying": source, "fixed": source}``, each a shipped name or a ``.pt`` path.

    Returns
    -------
    dict
        ``{"checkpoints": {protocol: path}, "networks": {protocol: description},
        "rows": [{"quantity", "paper", "ours", "stderr", "unit", "key",
        "section", "network"}, ...]}`` (as written to ``report.json``).
    """
    from ..pretrained import checkpoint_path
    from ..reproduce import describe

    networks = _networks(networks)
    described = {p: describe(source) for p, source in networks.items()}
    report = {
        "checkpoints": {p: str(checkpoint_path(s)) for p, s in networks.items()},
        "networks": described,
        "rows": [dataclasses.asdict(r) for r in rows],
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    head = ["# Reproduction report", "", "Networks measured:", ""]
    head += [
        f"- {p}: `{d['label']}`, preset `{d['preset']}`, {d['parameters']:,} parameters, file `{d['path']}` "
        f"(sha256 {d['sha256']}); {d['origin']}"
        for p, d in described.items()
    ]
    (out_dir / "report.md").write_text("\n".join(head) + "\n\n" + to_markdown(rows))
    return report
