"""The reproduction report: every number the paper reports beside the course's own, in one table.

The paper's numbers live beside the code that measures them
(:mod:`resandi_lite.evaluate`, :mod:`resandi_lite.erasure`,
:mod:`resandi_lite.augment`, :mod:`resandi_lite.layerwise`); this package runs
each measurement on fresh seeded test sets and lines the results up, one
:class:`Row` per reported number: the paper's accuracies and confusion matrix, its erasure
curve, its accuracies under noise with and without Grad-CAM-guided augmentation, and its layer-wise
correlations and block-wise probes.

Beyond the paper, the report carries chapter 4's comparison of the strongest
classical methods with the network (:mod:`resandi_lite.comparison`, read by
:func:`classical_from_results`; section :data:`CLASSICAL`) and chapter 9b's
ground-truth scores (:mod:`resandi_lite.groundtruth`): how well the network's
maps find the simulated events (section :data:`BEYOND`).  Those rows are ours
only (``Row.paper`` is ``None``, printed as "—") and stand in sections of their
own, :data:`BEYOND_SECTIONS`.

The package, one module per concern: :mod:`.rows` (the :class:`Row` type, the sections, the paper's
rows and those beyond it, the table with ours filled in, the per-class gaps), :mod:`.measure` (one
measurement per section, on fresh seeded test sets), :mod:`.render` (Markdown, HTML, the notebook
table, ``report.md`` and ``report.json``) and :mod:`.training` (what a network's learning curve shows
at the end of its training).  Every public name is re-exported here: ``rl.report.<name>``.

>>> rows = paper_rows()
>>> len(rows), rows[0].quantity, rows[0].paper
(54, 'accuracy, varying length', 90.36)
>>> len(beyond_rows()), len(classical_rows()), len(groundtruth_rows()), {r.paper for r in beyond_rows()}
(34, 16, 18, {None})
"""

from .measure import (
    augmentation_from_results,
    classical_from_results,
    measure_augmentation,
    measure_classification,
    measure_erasure,
    measure_groundtruth,
    measure_layerwise,
)
from .render import NO_PAPER, Table, table, to_html, to_markdown, write_report
from .rows import (
    BEYOND,
    BEYOND_SECTIONS,
    CLASSICAL,
    SECTIONS,
    Row,
    beyond_rows,
    class_gaps,
    classical_rows,
    counts,
    groundtruth_rows,
    paper_rows,
    protocol_of,
    report_rows,
    reproduction_table,
)
from .training import training_summary

__all__ = [
    "BEYOND",
    "BEYOND_SECTIONS",
    "CLASSICAL",
    "NO_PAPER",
    "Row",
    "SECTIONS",
    "Table",
    "augmentation_from_results",
    "beyond_rows",
    "class_gaps",
    "classical_from_results",
    "classical_rows",
    "counts",
    "groundtruth_rows",
    "measure_augmentation",
    "measure_classification",
    "measure_erasure",
    "measure_groundtruth",
    "measure_layerwise",
    "paper_rows",
    "protocol_of",
    "report_rows",
    "reproduction_table",
    "table",
    "to_html",
    "to_markdown",
    "training_summary",
    "write_report",
]
