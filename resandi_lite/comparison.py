"""The classical methods against the network, at equal data and equal compute: the shipped measurements.

``benchmarks/baselines.py`` trains chapter 4's random forest, gradient boosting
on the same features, MiniRocket (through aeon) and the ``lite`` network from
random initialisation on nested subsets of one training set, tests all of them
and the shipped networks on one test set of 8,000 trajectories per protocol
(``"varying"``: T uniform in [10, 1000]; ``"1000"``: T = 1000), and compares
every pair that shares a test set, paired over trajectories.  ``--ship`` copies
its JSON into the package (:data:`RESULTS`), where the chapters read it with
:func:`load_comparison`; this module turns it into curves and tables.

Methods are named as in the JSON: ``forest``, ``boosting``, ``minirocket``
(and ``minirocket-positions``, the ablation), ``network-scratch`` and
``network-scratch-symmetrized`` (at each training size); ``network`` and
``network-symmetrized`` are the shipped networks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import _files
from .verdict import Table

#: The shipped copy of ``runs/baselines/learning_curves.json``.
RESULTS = Path(__file__).parent / "pretrained" / "baselines.json"
#: Readable names of the methods, in the order figures and tables list them.
METHODS = {
    "forest": "random forest (9 features)",
    "boosting": "gradient boosting (9 features)",
    "minirocket": "MiniRocket (10,000 kernels)",
    "network-scratch": "network from scratch",
    "network-scratch-symmetrized": "network from scratch, symmetrized",
}
#: The protocols, as the JSON names them.
PROTOCOLS = ("varying", "1000")


def ship(path, to=None) -> dict:
    """Copy a ``learning_curves.json`` of ``benchmarks/baselines.py`` into the package (or to ``to``).

    The file is checked first (:func:`load_comparison`), so a broken or
    foreign file is refused and the shipped copy stays as it was.  Returns
    what was written.
    """
    results = load_comparison(path)
    if results is None:
        raise ValueError(f"path: {path} does not exist")
    _files.write_json(RESULTS if to is None else Path(to), results)
    return results


def load_comparison(path=None) -> dict | None:
    """The shipped measurements (:data:`RESULTS`, or ``path``), or None if there are none.

    Raises
    ------
    ValueError
        If the file is not JSON, or not what ``benchmarks/baselines.py`` writes
        (no ``settings`` and ``entries``, or an entry without ``accuracy``,
        ``stderr`` and ``n_test``).

    Examples
    --------
    >>> r = load_comparison()
    >>> r is None or {"settings", "entries"} <= set(r)
    True
    """
    path = RESULTS if path is None else Path(path)
    results = _files.read_json(path, remedy="run benchmarks/baselines.py --ship again")
    if results is None:
        return None
    if not isinstance(results.get("entries"), dict) or "settings" not in results:
        raise ValueError(f"{path} is not a learning_curves.json of benchmarks/baselines.py (no settings and entries)")
    for key, entry in results["entries"].items():
        if not isinstance(entry, dict) or not {"accuracy", "stderr", "n_test"} <= set(entry):
            raise ValueError(f"{path}: entry {key!r} lacks accuracy, stderr or n_test")
    return results


def _check_protocol(protocol) -> str:
    protocol = str(protocol)
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    return protocol


def curve(results: dict, protocol, method: str) -> dict:
    """One method's learning curve: arrays sorted by training size.

    Returns
    -------
    dict
        ``per_class`` (int), ``accuracy`` and ``stderr`` (fractions),
        ``train_cpu_seconds`` (NaN where not measured); empty arrays if the
        method was not measured at this protocol.

    Examples
    --------
    >>> r = {"settings": {}, "entries": {"varying/forest/500": {"accuracy": 0.8, "stderr": 0.01, "n_test": 8000,
    ...      "per_class": 500, "train_cpu_seconds": 3.5}, "varying/forest/50": {"accuracy": 0.6, "stderr": 0.02,
    ...      "n_test": 8000, "per_class": 50}}}
    >>> c = curve(r, "varying", "forest")
    >>> c["per_class"].tolist(), c["accuracy"].tolist(), c["train_cpu_seconds"].tolist()
    ([50, 500], [0.6, 0.8], [nan, 3.5])
    """
    protocol = _check_protocol(protocol)
    prefix = f"{protocol}/{method}/"
    found = [(e["per_class"], e) for k, e in results["entries"].items() if k.startswith(prefix) and "per_class" in e]
    found.sort(key=lambda item: item[0])
    return {
        "per_class": np.array([n for n, _ in found], dtype=np.int64),
        "accuracy": np.array([e["accuracy"] for _, e in found], dtype=float),
        "stderr": np.array([e["stderr"] for _, e in found], dtype=float),
        "train_cpu_seconds": np.array([e.get("train_cpu_seconds", np.nan) for _, e in found], dtype=float),
    }


def shipped(results: dict, protocol, *, symmetrized: bool = False) -> dict | None:
    """The shipped network's entry at ``protocol`` (plain, or averaged over the eight symmetries), or None."""
    protocol = _check_protocol(protocol)
    return results["entries"].get(f"{protocol}/network{'-symmetrized' if symmetrized else ''}")


def paired(results: dict, method: str, network: str) -> dict | None:
    """The paired comparison of two entries (full keys, e.g. ``"varying/forest/10000"`` and
    ``"varying/network"``), as the benchmark stored it, or None if it was not made.

    The row holds ``difference`` (method minus network, a fraction), its
    ``stderr`` and interval (``low``, ``high``, at the family's Bonferroni
    level ``results["comparisons"]["level"]``), McNemar's ``mcnemar_p`` and the
    Holm-adjusted ``holm_p`` over the family.
    """
    for row in results.get("comparisons", {}).get("rows", []):
        if row["method"] == method and row["network"] == network:
            return row
    return None


def _points(x: float) -> str:
    return f"{100 * x:+.2f}"


def difference_table(results: dict, protocol, *, per_class: int | None = None) -> Table:
    """Each classical method against the networks at one training size.

    The default size is the largest at which the network was trained from
    scratch (else the largest of any method); methods not trained at that
    size are left out.

    Columns: the method and its accuracy, then minus the network trained from
    scratch on the same subset (equal data) and minus the shipped network,
    each plain and averaged over the symmetries, in points with their paired
    standard error; Holm-adjusted McNemar p-values in brackets.  A network
    not measured at that size has no column.  The caption
    names the protocol and the test set.
    """
    protocol = _check_protocol(protocol)
    methods = [m for m in METHODS if not m.startswith("network")]
    if per_class is None:
        sizes = curve(results, protocol, "network-scratch")["per_class"]
        if not sizes.size:
            sizes = np.concatenate([curve(results, protocol, m)["per_class"] for m in methods])
        if not sizes.size:
            raise ValueError(f"no method was trained at protocol {protocol!r}")
        per_class = int(sizes.max())
    networks = {
        "scratch": f"{protocol}/network-scratch/{per_class}",
        "scratch, symmetrized": f"{protocol}/network-scratch-symmetrized/{per_class}",
        "shipped": f"{protocol}/network",
        "shipped, symmetrized": f"{protocol}/network-symmetrized",
    }
    networks = {name: key for name, key in networks.items() if key in results["entries"]}  # not measured: no column
    columns = ["method", f"accuracy (%), {per_class:,} per class"] + [f"minus network {k}" for k in networks]
    rows = []
    for method in methods:
        key = f"{protocol}/{method}/{per_class}"
        entry = results["entries"].get(key)
        if entry is None:
            continue
        cells = [METHODS[method], f"{100 * entry['accuracy']:.2f} ± {100 * entry['stderr']:.2f}"]
        for network in networks.values():
            row = paired(results, key, network)
            cells.append(
                "—"
                if row is None
                else f"{_points(row['difference'])} ± {100 * row['stderr']:.2f} (p {row.get('holm_p', row['mcnemar_p']):.2g})"
            )
        rows.append(cells)
    for name, network in networks.items():  # each was measured (filtered above)
        entry = results["entries"][network]
        rows.append(
            [f"network {name}", f"{100 * entry['accuracy']:.2f} ± {100 * entry['stderr']:.2f}"] + ["—"] * len(networks)
        )
    where = "T uniform in [10, 1000]" if protocol == "varying" else f"T = {protocol}"
    caption = f"{where}, on one test set of {8 * results['settings'].get('test_per_class', 0):,} trajectories"
    return Table.from_rows(columns, rows, caption=caption)


def noise_curves(results: dict) -> dict:
    """The fair noise comparison: ``{method: {"sigma", "accuracy", "stderr"}}`` (arrays, sorted by sigma)."""
    found: dict[str, list] = {}
    for key, entry in results["entries"].items():
        if key.startswith("noise/"):
            _, method, _ = key.split("/")
            found.setdefault(method, []).append((entry["sigma"], entry["accuracy"], entry["stderr"]))
    return {
        method: dict(zip(("sigma", "accuracy", "stderr"), map(np.array, zip(*sorted(points)))))
        for method, points in found.items()
    }


#: The fair noise comparison's classical methods, in table order (each minus the network trained on the mixture).
NOISE_METHODS = {"forest": "random forest", "boosting": "gradient boosting", "minirocket": "MiniRocket"}


def noise_table(results: dict, *, level: float = 0.95) -> Table:
    """The fair noise comparison as a table: one row per noise level.

    Columns: the accuracy of the network trained on the noisy mixture, then
    each classical method of :data:`NOISE_METHODS` minus that network, in
    points with its paired standard error (bootstrap over the test
    trajectories, as the benchmark stored it).  Multiple comparisons: the
    ``m`` differences of the table form one family; a difference is marked
    ``*`` when its Bonferroni-adjusted interval (each at
    :func:`resandi_lite.verdict.family_level` ``(m, level)``, normal
    approximation) excludes zero; the table's caption states the rule.

    Raises
    ------
    ValueError
        If ``results`` holds no fair noise comparison.
    """
    from .verdict import family_level, family_z

    paired_rows = results.get("noise", {}).get("paired", [])
    if not paired_rows:
        raise ValueError("results hold no fair noise comparison (run benchmarks/baselines.py with part 'noise')")
    curves = noise_curves(results)
    network = curves.get("network")
    rows_by = {(r["sigma"], r["method"]): r for r in paired_rows if "minus_network" in r}
    methods = [m for m in NOISE_METHODS if any(k[1] == m for k in rows_by)]
    sigmas = sorted({k[0] for k in rows_by})
    m = sum(1 for k in rows_by if k[1] in methods)
    z = family_z(m, level)
    columns = ["σ", "network, trained on the mixture (%)"] + [f"{NOISE_METHODS[k]} − network" for k in methods]
    rows = []
    for sigma in sigmas:
        at = None if network is None else np.flatnonzero(np.isclose(network["sigma"], sigma))
        cells = [f"{sigma:.1f}", "—" if at is None or not at.size else f"{100 * network['accuracy'][at[0]]:.1f}"]
        for method in methods:
            row = rows_by.get((sigma, method))
            if row is None:
                cells.append("—")
                continue
            d, se = row["minus_network"], row["minus_network_stderr"]
            cells.append(f"{_points(d)} ± {100 * se:.2f}{' *' if abs(d) > z * se else ''}")
        rows.append(cells)
    caption = (
        f"{m} paired differences, one family: * marks those whose Bonferroni-adjusted interval "
        f"({100 * family_level(m, level):.2f}% each, ±{z:.2f} standard errors) excludes zero."
    )
    return Table.from_rows(columns, rows, caption=caption)
