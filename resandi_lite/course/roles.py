"""The chapters as Jupyter and Colab show them: MyST roles rewritten to plain Markdown.

The book is built by Jupyter Book, which understands MyST roles: ``{cite}`bae2026``
becomes "(Bae et al., 2026)" with an entry in the bibliography, and
``{doc}`running``` a link to that page. Jupyter, JupyterLab and Colab render
Markdown only, so there the same cells show the raw role. The committed
chapters keep the roles (the book's bibliography is built from them);
:func:`plain_notebook` returns a copy of a chapter whose Markdown cells say the
same in plain Markdown:

* ``{cite}`key``` (and ``{cite:p}``) becomes ``([Bae et al. 2026](https://doi.org/...))``,
  several keys separated by ``; ``;
* ``{cite:t}`key``` becomes ``[Bae et al. (2026)](https://doi.org/...)``;
* ``{doc}`target``` and ``{doc}`text <target>``` become a link to the page's
  source in the repository, titled by the page's first heading or by ``text``;
* a relative link to a page of the book, ``[text](../book/notation.md)``,
  becomes a link to that page in the repository (it is broken on Colab).

The authors, years and links come from ``book/references.bib`` (a DOI, else
an arXiv number, else the entry's ``url``); the repository's address and
branch from ``_config.yml``. The student edition
(:mod:`resandi_lite.course.student`) is built through it, and so is the
Jupyter edition of the chapters::

    python -m resandi_lite.course.roles --out jupyter/     # every chapter, outputs kept
    python -m resandi_lite.course.roles --branch jupyter   # the same, committed to the branch `jupyter`

The book's launch buttons (Colab, Binder) open the chapters on the branch
``jupyter`` (:data:`EDITION_BRANCH`, ``_config.yml``'s
``html_theme_options: repository_branch``): :func:`write_branch` makes it, a
commit whose tree is the source's with every chapter rewritten, at the same
path; publish it with ``git push origin jupyter`` after each release.

Needs nothing beyond the standard library and, for :func:`write_branch`, git.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import posixpath
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIBLIOGRAPHY = "book/references.bib"
#: A MyST role in Markdown: {name}`content` or {name:variant}`content`.
ROLE = re.compile(r"\{([a-z]+)(?::([a-z]+))?\}`([^`]*)`")
#: A relative Markdown link to a page of the book (.md or .ipynb), outside code.
BOOK_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+\.(?:md|ipynb))(#[^)\s]*)?\)")
#: What plain_markdown scans for, left to right: fenced code, a role, or inline code.
_TOKEN = re.compile(r"```.*?```|\{(?P<name>[a-z]+)(?::(?P<variant>[a-z]+))?\}`(?P<content>[^`]*)`|`[^`\n]*`", re.DOTALL)
_ACCENTS = {"'": "\u0301", "`": "\u0300", "~": "\u0303", '"': "\u0308", "^": "\u0302", "c": "\u0327", "v": "\u030c"}


@dataclass(frozen=True)
class Reference:
    """One bibliography entry, as a citation needs it.

    Attributes
    ----------
    names : str
        The authors as cited: "Bae et al.", "Lim and Muniandy", "Scher".
    year : str
    url : str
        Where the reference can be read ("" if the entry names none).
    """

    names: str
    year: str
    url: str


def _latex_to_text(text: str) -> str:
    """Plain text of a BibTeX value: accents such as {\\~n} to ñ, braces and ``--`` dropped."""

    def accent(m):
        return m[2] + _ACCENTS[m[1]]

    text = re.sub(r"\{?\\([`'~\"^cv])\s*\{?\\?([A-Za-z])\}?\}?", accent, text)
    text = text.replace("{", "").replace("}", "").replace("--", "\u2013").replace("~", "\u00a0")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def read_bibliography(text: str) -> dict:
    """The entries of a BibTeX text, by key.

    Parameters
    ----------
    text : str
        The content of a ``.bib`` file.

    Returns
    -------
    dict of str to Reference

    Examples
    --------
    >>> bib = read_bibliography('@article{k, author = {Mu{\\\\~n}oz, Ana and Li, Bo and Xu, C.}, year = {2021},'
    ...                         ' doi = {10.1/x}}')
    >>> bib["k"]
    Reference(names='Muñoz et al.', year='2021', url='https://doi.org/10.1/x')
    """
    references = {}
    for m in re.finditer(r"@\s*([A-Za-z]+)\s*\{\s*([^,\s]+)\s*,", text):
        if m[1].lower() in ("comment", "string", "preamble"):
            continue
        fields = _entry_fields(text, m.end())
        authors = [
            a.strip() for a in re.split(r"\s+and\s+", fields.get("author", fields.get("editor", ""))) if a.strip()
        ]
        last = [_latex_to_text(a.split(",")[0] if "," in a else a.split()[-1]) for a in authors]
        names = (
            last[0]
            if len(last) == 1
            else f"{last[0]} and {last[1]}"
            if len(last) == 2
            else f"{last[0]} et al."
            if last
            else _latex_to_text(fields.get("title", m[2]))
        )
        if "doi" in fields:
            url = "https://doi.org/" + fields["doi"].strip()
        elif fields.get("archiveprefix", "arxiv").lower() == "arxiv" and "eprint" in fields:
            url = "https://arxiv.org/abs/" + fields["eprint"].strip()
        else:
            url = fields.get("url", "").strip()
        references[m[2]] = Reference(names=names, year=_latex_to_text(fields.get("year", "n.d.")), url=url)
    return references


def _entry_fields(text: str, start: int) -> dict:
    """The fields of the entry whose body starts at ``text[start]`` (after ``@type{key,``), names lower-cased."""
    fields, i = {}, start
    name_pattern = re.compile(r"\s*,?\s*([A-Za-z_-]+)\s*=\s*")
    while True:
        m = name_pattern.match(text, i)
        if m is None:
            return fields
        name, i = m[1].lower(), m.end()
        if i < len(text) and text[i] == "{":
            depth, j = 0, i
            while j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            value, i = text[i + 1 : j], j + 1
        elif i < len(text) and text[i] == '"':
            j = text.index('"', i + 1)
            value, i = text[i + 1 : j], j + 1
        else:
            v = re.compile(r"[^,}\s]+").match(text, i)
            value, i = (v[0], v.end()) if v else ("", i)
        fields[name] = value


def _cite(keys: str, variant: str | None, bibliography: dict) -> str:
    refs = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in bibliography:
            raise ValueError(
                f"{{cite}}`{key}`: no entry {key!r} in the bibliography (keys: {', '.join(sorted(bibliography))})"
            )
        refs.append(bibliography[key])

    def link(text, ref):
        return f"[{text}]({ref.url})" if ref.url else text

    if variant in ("t", "ts"):
        return "; ".join(link(f"{r.names} ({r.year})", r) for r in refs)
    return "(" + "; ".join(link(f"{r.names} {r.year}", r) for r in refs) + ")"


def _page(target: str, source: str, root: Path | None) -> tuple[str, str]:
    """(path in the repository, title) of the book page ``target`` named from the file ``source``."""
    base = posixpath.dirname(source)
    path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(base, target))
    if not path.endswith((".md", ".ipynb")):
        candidates = [path + ".md", path + ".ipynb"]
        found = [c for c in candidates if root is not None and (root / c).is_file()]
        path = found[0] if found else candidates[0]
    title = posixpath.basename(path).rsplit(".", 1)[0]
    if root is not None and (root / path).is_file():
        text = (root / path).read_text(encoding="utf-8")
        if path.endswith(".ipynb"):
            cells = json.loads(text)["cells"]
            text = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
        heading = re.search(r"^#\s+(.+?)\s*$", text, re.MULTILINE)
        title = heading[1] if heading else title
    return path, title


def plain_markdown(
    text: str,
    *,
    bibliography: dict,
    repository: str,
    branch: str = "main",
    source: str = "notebooks/chapter.ipynb",
    root: Path | None = ROOT,
) -> str:
    """``text`` with its {cite} and {doc} roles and its relative links to book pages in plain Markdown.

    Parameters
    ----------
    text : str
        Markdown with MyST roles.
    bibliography : dict of str to Reference
        From :func:`read_bibliography`.
    repository : str
        The repository's address (``_config.yml``'s ``repository: url:``), for links to the book's pages.
    branch : str
        The branch the links point to.
    source : str
        Path of the document ``text`` comes from, relative to the repository's root (relative targets
        are resolved from its folder).
    root : Path or None
        The repository's root, where the pages' titles are read; None: titles from the file names.

    Raises
    ------
    ValueError
        If a citation key is not in ``bibliography``.

    Examples
    --------
    >>> bib = {"bae2026": Reference("Bae et al.", "2026", "https://doi.org/10.1038/x")}
    >>> plain_markdown("as in {cite}`bae2026`; see {doc}`the notation <../book/notation>`.", bibliography=bib,
    ...                repository="https://github.com/o/r", root=None)
    'as in ([Bae et al. 2026](https://doi.org/10.1038/x)); see [the notation](https://github.com/o/r/blob/main/book/notation.md).'
    """

    def page_url(path):
        return f"{repository}/blob/{branch}/{path}"

    def role(name, variant, content):
        if name == "cite":
            return _cite(content, variant, bibliography)
        if name == "doc":
            labelled = re.fullmatch(r"(.*?)\s*<([^>]+)>", content)
            text_, target = (labelled[1], labelled[2]) if labelled else (None, content)
            path, title = _page(target.strip(), source, root)
            return f"[{text_ or title}]({page_url(path)})"
        return f"{{{name}{':' + variant if variant else ''}}}`{content}`"

    def book_link(m):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(source), m[1]))
        return f"]({page_url(path)}{m[2] or ''})"

    out, end = [], 0
    for m in _TOKEN.finditer(text):  # code stays as it is; a role is {name}`...`, not code
        out.append(BOOK_LINK.sub(book_link, text[end : m.start()]))
        out.append(role(m["name"], m["variant"], m["content"]) if m["name"] else m[0])
        end = m.end()
    out.append(BOOK_LINK.sub(book_link, text[end:]))
    return "".join(out)


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def read_config(root: Path = ROOT) -> tuple[str, str]:
    """(repository address, branch) from ``root / "_config.yml"``."""
    from .colab import read_repository

    config = (root / "_config.yml").read_text(encoding="utf-8")
    branch = re.search(r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+branch:\s*(\S+)", config, re.MULTILINE)
    return read_repository(config), branch[1].strip("'\"") if branch else "main"


def plain_notebook(
    notebook: dict, *, source: str = "notebooks/chapter.ipynb", root: Path = ROOT, bibliography: dict | None = None
) -> dict:
    """A copy of ``notebook`` (nbformat 4 dict) whose Markdown cells hold no MyST role (see the module's text).

    The bibliography and the repository's address are read from ``root`` when
    a cell needs them (``bibliography`` overrides the first).

    Raises
    ------
    FileNotFoundError
        If a cell cites and ``root`` has no ``book/references.bib`` (generate editions from a clone).
    """
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(f"notebook must be a notebook dict (nbformat 4, with 'cells'), got {type(notebook).__name__}")
    plain = copy.deepcopy(notebook)
    needed = [
        c
        for c in plain["cells"]
        if c["cell_type"] == "markdown" and (ROLE.search(_source(c)) or BOOK_LINK.search(_source(c)))
    ]
    if not needed:
        return plain
    root = Path(root)
    if bibliography is None:
        bib = root / BIBLIOGRAPHY
        if any("{cite" in _source(c) for c in needed) and not bib.is_file():
            raise FileNotFoundError(
                f"the chapter cites, and {bib} does not exist: generate editions from a clone of the repository"
            )
        bibliography = read_bibliography(bib.read_text(encoding="utf-8")) if bib.is_file() else {}
    repository, branch = read_config(root)
    for cell in needed:
        text = plain_markdown(
            _source(cell), bibliography=bibliography, repository=repository, branch=branch, source=source, root=root
        )
        cell["source"] = text.splitlines(keepends=True)
    return plain


def raw_roles(notebook: dict) -> list[str]:
    """The MyST roles left in a notebook's Markdown cells (what Jupyter would show raw)."""
    return [m[0] for c in notebook["cells"] if c["cell_type"] == "markdown" for m in ROLE.finditer(_source(c))]


def write_edition(paths, out, *, root: Path = ROOT) -> list[Path]:
    """Write :func:`plain_notebook` of each chapter in ``paths`` to the folder ``out``; returns the written paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        try:
            source = path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            source = f"notebooks/{path.name}"
        target = out / path.name
        target.write_text(
            json.dumps(plain_notebook(notebook, source=source, root=root), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written.append(target)
    return written


EDITION_BRANCH = "jupyter"
CHAPTER = re.compile(r"notebooks/\d\d[^/]*_[^/]*\.ipynb")


def _git(root: Path, *args: str, stdin: str | None = None, env: dict | None = None, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=root, input=stdin, env=env, capture_output=True, text=True)
    if check and result.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip()}")
    return result.stdout.strip() if result.returncode == 0 else ""


def write_branch(branch: str = EDITION_BRANCH, *, root: Path = ROOT, ref: str = "HEAD") -> str | None:
    """Commit the Jupyter edition of ``ref`` to the local branch ``branch``; return the new commit, or None.

    The new commit's tree is ``ref``'s with every chapter (``notebooks/NN_*.ipynb``)
    replaced by its :func:`plain_notebook`, outputs kept, so a chapter has the same
    path on both branches: this is what the book's launch buttons open. The
    bibliography is read from ``ref``, the repository's address from
    ``root/_config.yml``. Neither the working tree, the index nor the current
    branch is touched (git plumbing with a temporary index). The branch's previous
    tip, if any, is the parent, so pushing it is a fast-forward; if the edition is
    unchanged no commit is made and None is returned. Publish with
    ``git push origin <branch>``.

    Raises
    ------
    ValueError
        If ``branch`` is checked out in ``root`` (its files would no longer match it).
    RuntimeError
        If a git command fails (``root`` is not a repository, ``ref`` does not exist).
    """
    root = Path(root)
    if _git(root, "symbolic-ref", "--quiet", "HEAD", check=False) == f"refs/heads/{branch}":
        raise ValueError(f"branch {branch!r} is checked out in {root}; run from another branch (e.g. main)")
    commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}")
    bib = _git(root, "show", f"{commit}:{BIBLIOGRAPHY}", check=False)
    bibliography = read_bibliography(bib) if bib else {}
    entries = [line.split(None, 3) for line in _git(root, "ls-tree", commit, "notebooks/").splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git(root, "read-tree", commit, env=env)
        for mode, kind, _, name in entries:
            if kind != "blob" or not CHAPTER.fullmatch(name):
                continue
            notebook = json.loads(_git(root, "show", f"{commit}:{name}"))
            text = (
                json.dumps(
                    plain_notebook(notebook, source=name, root=root, bibliography=bibliography),
                    indent=1,
                    ensure_ascii=False,
                )
                + "\n"
            )
            blob = _git(root, "hash-object", "-w", "--stdin", stdin=text)
            _git(root, "update-index", "--cacheinfo", f"{mode},{blob},{name}", env=env)
        tree = _git(root, "write-tree", env=env)
    tip = _git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
    if tip and _git(root, "rev-parse", f"{tip}^{{tree}}") == tree:
        return None
    message = (
        f"Jupyter edition of {commit[:12]}: the chapters with their MyST roles in plain Markdown "
        f"(python -m resandi_lite.course.roles --branch {branch})"
    )
    new = _git(root, "commit-tree", tree, *(["-p", tip] if tip else []), "-m", message)
    _git(root, "update-ref", f"refs/heads/{branch}", new, *([tip] if tip else []))
    return new


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m resandi_lite.course.roles",
        description="Write the chapters with their MyST roles in plain Markdown (for Jupyter and Colab).",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=Path("jupyter"), help="output folder (default: jupyter/)")
    parser.add_argument(
        "--branch",
        help="instead of a folder, commit the edition of HEAD to this local branch "
        f"(the book's launch buttons open {EDITION_BRANCH!r}); push it yourself",
    )
    args = parser.parse_args(argv)
    if args.branch:
        if args.notebooks:
            parser.error("--branch writes every chapter of HEAD; give no notebooks")
        new = write_branch(args.branch)
        print(
            f"branch {args.branch}: "
            + (f"commit {new[:12]}; publish it with git push origin {args.branch}" if new else "unchanged")
        )
        return
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if not paths:
        parser.error("no notebooks given and none found in notebooks/")
    written = write_edition(paths, args.out)
    print(f"{len(written)} notebooks with plain-Markdown citations and links in {args.out}")


if __name__ == "__main__":
    main()
