"""The repository explains itself and runs itself: facts about the checkout, not a model.

- Every ``.md`` file a ``.py`` file names is in the repository: a docstring never sends the
  reader to a document they do not have (a file a run writes, such as
  ``benchmark-report/report.md``, is output, not a document).
- The code calls the tutorial "the tutorial" (docs/tutorial.md), never by the old four-letter
  name the project used for it before; the test spells that name as a pattern, so that this
  file does not contain it either.
- The links of the README and of ``docs/`` lead somewhere, and the tests the tutorial's table
  names exist.
- Child processes (workers, the test server, the demo scripts the tests run) start from the
  root of this checkout and import its code, not another install's.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from shared.harness import proc

#: the checkout these tests belong to
ROOT = Path(__file__).resolve().parents[1]

#: folders that are not the repository's own files (tools, caches, build output, reports)
SKIP_DIRS = {"__pycache__", "build", "dist", "benchmark-report", "node_modules"}

#: a file name ending in .md, with any folders before it (``docs/design.md``, ``report.md``)
MD_NAME = re.compile(r"[\w./-]*\w\.md\b")
URL = re.compile(r"https?://\S+")
#: the old name, as a word (also inside a snake_case name), in any case
OLD_NAME = re.compile(r"(?<![a-z])se{2}d(?![a-z])", re.IGNORECASE)
#: a relative link in markdown: ``[text](target)`` or ``![alt](target)``
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def repo_files(root: Path, suffix: str) -> Iterator[Path]:
    """The repository's own files ending in ``suffix``: no hidden folder (``.git``, ``.venv``),
    no cache, no build or report output."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(files):
            if name.endswith(suffix):
                yield Path(folder, name)


def output_dirs(root: Path) -> set[str]:
    """The folders a run writes into and git ignores (``benchmark-report/``): a ``.md`` file
    there is a run's output, named as such, not a document the repo should hold."""
    gitignore = root / ".gitignore"
    lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.is_file() else []
    return {line.strip().strip("/") for line in lines if line.strip().endswith("/")}


def missing_md_names(root: Path) -> list[str]:
    """``file:line: name`` for every ``.md`` name in a ``.py`` file that no file of the repo
    answers to: the path from the root, the path from the naming file's folder, or (for a
    name with folders) the end of a path in the repo, or (for a bare name) a file's name.
    A name inside one of :func:`output_dirs` is a run's output, not a document."""
    mds = [p.relative_to(root).as_posix() for p in repo_files(root, ".md")]
    outputs = output_dirs(root)
    out = []
    for py in repo_files(root, ".py"):
        for lineno, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            for name in MD_NAME.findall(URL.sub("", line)):
                tail = name.split("../")[-1].removeprefix("./")
                found = (
                    (root / name).is_file()
                    or (py.parent / name).is_file()
                    or any(m == tail or m.endswith("/" + tail) for m in mds)
                    or tail.split("/")[0] in outputs
                )
                if not found:
                    out.append(f"{py.relative_to(root)}:{lineno}: {name}")
    return out


def old_name_uses(root: Path) -> list[str]:
    """``file:line: text`` for every line of a ``.py`` file that uses the old name."""
    return [
        f"{py.relative_to(root)}:{lineno}: {line.strip()}"
        for py in repo_files(root, ".py")
        for lineno, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1)
        if OLD_NAME.search(line)
    ]


def test_every_md_file_a_py_file_names_is_in_the_repo() -> None:
    assert missing_md_names(ROOT) == []


def test_the_code_calls_the_tutorial_the_tutorial() -> None:
    assert old_name_uses(ROOT) == []


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    # so that the two tests above can fail: an absent document, and the old name, are found
    here, absent = "here" + ".md", "ELSEWHERE" + ".md"  # not names this file itself gives
    old = "se" + "ed"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / here).write_text("# here\n")
    (tmp_path / ".gitignore").write_text("out/\n*.pyc\n")
    (tmp_path / "a.py").write_text(
        f'"""See docs/{here}, {here} and {absent}; https://x.org/{absent} is a URL."""\n'
        f"# a run writes out/{absent}; it is not a document\n"
        f"# the {old.upper()}'s demo\n"
        f"{old}_seconds = 1\n"
        f"{old}ed = random_{old}s = 2  # other words\n"
    )
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "b.py").write_text(f"# {absent}, the {old}\n")
    assert missing_md_names(tmp_path) == [f"a.py:1: {absent}"]
    assert [u.split(":")[1] for u in old_name_uses(tmp_path)] == ["3", "4"]


# --- the documents' own links ------------------------------------------------------------------


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_and_the_docs_link_to_files_that_exist() -> None:
    broken = []
    for doc in _docs():
        for target in MD_LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a URL, or an anchor in the same page
            path = (doc.parent / target.split("#")[0]).resolve()
            if not path.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


#: in the tutorial's table: a link to a test file, or a ``::name`` of a test in the last one
_TABLE_TOKEN = re.compile(r"\]\((?P<file>\.\./[^)\s]+\.py)\)|`::(?P<name>\w+)")


def test_the_tutorials_table_names_tests_that_exist() -> None:
    names: dict[Path, set[str]] = {}
    unknown = []
    seen = 0
    for line in (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        current: Path | None = None
        for m in _TABLE_TOKEN.finditer(line):
            if m["file"]:
                current = (ROOT / "docs" / m["file"]).resolve()
                if current not in names:
                    tree = ast.parse(current.read_text(encoding="utf-8"))
                    names[current] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            elif current is not None:
                seen += 1
                if m["name"] not in names[current]:
                    unknown.append(f"{current.relative_to(ROOT)}::{m['name']}")
    assert seen >= 20  # the table names its tests (this check reads them)
    assert unknown == []


# --- children run this checkout ----------------------------------------------------------------


def test_children_start_from_this_checkout_and_import_its_code() -> None:
    assert proc.ROOT == ROOT
    assert (proc.ROOT / "pyproject.toml").is_file()
    # started exactly as a worker or the test server is
    code = "import impls, shared; print(impls.__file__); print(shared.__file__)"
    child = proc.spawn(["-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    try:
        out, _ = child.communicate(timeout=60)
    finally:
        proc.stop(child)
    assert child.returncode == 0
    paths = out.decode().split()
    assert len(paths) == 2
    for path in paths:
        assert Path(path).resolve().is_relative_to(ROOT), path
