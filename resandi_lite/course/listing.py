"""Code listings for the chapters, read from the installed package.

A chapter that discusses the library's code shows it with
``rl.course.show_source(rl.model.BasicBlock)`` instead of a MyST
``{literalinclude}`` directive: the listing is the source of the package the
reader runs, so the built book, Jupyter and Colab show the same code, and a
refactor that renames the object makes the cell fail instead of silently
showing something else (``tests/test_listing.py`` checks every listing of every
chapter).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import textwrap


def source(obj, start: str | None = None, stop: str | None = None) -> str:
    """The source of ``obj`` (a function, class, method or module), dedented, optionally cut at two markers.

    Parameters
    ----------
    obj : function, class, method, module, or str
        A library object, e.g. ``rl.model.BasicBlock`` or ``rl.model.ResAnDi.forward``,
        or its dotted name, e.g. ``"resandi_lite.preprocess.minmax_scale"``
        (useful where a module's name is shadowed by a function, as
        ``rl.preprocess`` is).
    start : str, optional
        The listing begins at the first line that contains this text
        (default: the first line).
    stop : str, optional
        The listing ends with the first line at or after ``start`` that
        contains this text (default: the last line).

    Returns
    -------
    str
        The lines, dedented so that the first one starts in column 0.

    Raises
    ------
    ImportError
        If ``obj`` is a dotted name that does not exist.
    TypeError
        If ``obj`` has no Python source (a builtin, a number, ...), or a marker is not a string.
    ValueError
        If a marker is not found, naming the marker and the object.

    Examples
    --------
    >>> source(source).splitlines()[0]
    'def source(obj, start: str | None = None, stop: str | None = None) -> str:'
    """
    for name, marker in (("start", start), ("stop", stop)):
        if marker is not None and (not isinstance(marker, str) or not marker.strip()):
            raise TypeError(f"{name} must be a non-empty string (a text the line contains) or None, got {marker!r}")
    if isinstance(obj, str):
        obj = resolve(obj)
    try:
        lines = inspect.getsource(obj).splitlines()
    except (TypeError, OSError) as error:
        raise TypeError(
            f"obj must be a function, class, method or module of the library with source code, got {obj!r} ({error})"
        ) from None
    begin = 0
    if start is not None:
        begin = next((k for k, line in enumerate(lines) if start in line), None)
        if begin is None:
            raise ValueError(f"start marker {start!r} not found in the source of {_name(obj)}")
        lines = lines[begin:]
    if stop is not None:
        end = next((k for k, line in enumerate(lines) if stop in line), None)
        if end is None:
            raise ValueError(
                f"stop marker {stop!r} not found in the source of {_name(obj)}"
                + (f" after {start!r}" if start is not None else "")
            )
        lines = lines[: end + 1]
    return textwrap.dedent("\n".join(lines)) + "\n"


def resolve(name: str):
    """The object of a dotted name: the longest importable module prefix, then attributes.

    >>> resolve("resandi_lite.course.listing.resolve") is resolve
    True
    """
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attribute in parts[k:]:
            if not hasattr(obj, attribute):
                raise ImportError(f"{name!r} does not exist: {'.'.join(parts[:k])} has no {'.'.join(parts[k:])}")
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(f"{name!r} does not exist: no module {parts[0]!r}")


def _name(obj) -> str:
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "?")
    qualname = getattr(obj, "__qualname__", None)
    return f"{module}.{qualname}" if qualname and not inspect.ismodule(obj) else str(module)


class Listing:
    """A code listing: plain text in a terminal, a highlighted Python code block in Jupyter and the book."""

    def __init__(self, code: str, title: str):
        self.code, self.title = code, title

    def __repr__(self) -> str:
        return f"# {self.title}\n{self.code}"

    def _repr_markdown_(self) -> str:
        fence = "````" if "```" in self.code else "```"
        return f"{fence}python\n# {self.title}\n{self.code}{fence}\n"


def _in_kernel() -> bool:
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_source(obj, start: str | None = None, stop: str | None = None) -> None:
    """Show the source of a library object: highlighted in Jupyter, Colab and the book, plain in a terminal.

    The first line is a comment naming the object, e.g.
    ``# resandi_lite.model.BasicBlock``. ``start`` and ``stop`` cut the listing
    as in :func:`source`.

    Examples
    --------
    >>> show_source(_name)  # doctest: +ELLIPSIS
    # resandi_lite.course.listing._name
    def _name(obj) -> str:
    ...
    """
    obj = resolve(obj) if isinstance(obj, str) else obj
    listing = Listing(source(obj, start, stop), _name(obj))
    if _in_kernel():
        from IPython.display import display

        display(listing)
    else:
        print(repr(listing), end="")
