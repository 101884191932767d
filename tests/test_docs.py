"""The README and the reference pages in ``docs/`` (issue 24).

* The README stays short (what it is, quick start, notebooks, commands, data folder, where to read
  more); the reference lives in ``docs/*.md`` and every page is linked from the README.
* Every relative link in README.md and docs/*.md points at a file that exists, and a ``#anchor`` at
  a heading of that file (GitHub's heading ids).
* The README's make table and ``make help`` name the same targets; the README's command table names
  every ``python -m analysis`` command, once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from analysis.cli.main import COMMANDS

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"

#: The README's length the issue asks for ("under ~150 lines").
README_MAX_LINES = 150

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _prose(text: str) -> list[str]:
    """The lines of a Markdown file outside fenced code blocks (links there are not links)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens.

    Inline code marks, emphasis and link syntax are removed first; letters, digits, ``_`` and ``-``
    are kept (any script), everything else but spaces is dropped.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading id of a Markdown file; a repeated heading gets ``-1``, ``-2``, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match[2])
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(path: Path) -> list[str]:
    """Every relative link of ``path`` whose file or ``#anchor`` does not exist, as ``file: target``."""
    problems = []
    for line in _prose(path.read_text(encoding="utf-8")):
        for target in _LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # http:, https:, mailto:: not checked offline
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                problems.append(f"{path.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{path.name}: {target} (no heading #{anchor} in {linked.name})")
    return problems


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def _table_cells(text: str, first_cell: str) -> list[str]:
    """The first cells of the Markdown table rows whose first cell matches ``first_cell`` (a regex)."""
    return [m[1] for m in re.finditer(rf"^\|\s*({first_cell})\s*\|", text, re.MULTILINE)]


# --------------------------------------------------------------------------- the README's shape


def test_readme_is_short_and_keeps_its_sections() -> None:
    text = README.read_text(encoding="utf-8")
    n_lines = len(text.splitlines())
    assert n_lines <= README_MAX_LINES, f"README.md is {n_lines} lines; move reference text to docs/"
    headings = [m[2] for line in text.splitlines() if (m := _HEADING.match(line))]
    assert headings == ["Interview calibration workbook", "Quick start", "The notebooks", "The command line",
                        "Data folder", "Where to read more"], headings
    assert "make lab" in text and "make test" in text


def test_every_docs_page_is_linked_from_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    pages = [p.name for p in _pages()]
    # The reference the README used to hold (issue 24), one page per topic.
    for page in ("commands.md", "data-folder.md", "statistics.md", "irt.md", "fairness.md",
                 "importing.md", "privacy.md", "benchmarks.md", "validation.md", "interviewer-app.md",
                 "architecture.md"):
        assert page in pages, f"docs/{page} is missing"
    linked = {Path(target.partition("#")[0]).name for target in _LINK.findall(text)
              if target.startswith("docs/")}
    assert not set(pages) - linked, f"docs pages the README does not link: {sorted(set(pages) - linked)}"


def test_every_relative_link_resolves() -> None:
    problems = [p for path in [README, *_pages()] for p in broken_links(path)]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_link_checker_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    """The link test can fail: each kind of broken link is named; code and web links are skipped."""
    (tmp_path / "other.md").write_text("# Scorecards: `scores/**/*.csv`\n\n## Notes\n\n## Notes\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n\n[ok](other.md#scorecards-scorescsv) [ok](other.md#notes-1) [ok](#top)\n"
        "[web](https://example.com/x.md) `[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n"
        "[gone](missing.md) [bad](other.md#no-such-heading) [self](#nope)\n")
    assert broken_links(page) == [
        "page.md: missing.md (no such file)",
        "page.md: other.md#no-such-heading (no heading #no-such-heading in other.md)",
        "page.md: #nope (no heading #nope in page.md)",
    ]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [  # ids as GitHub renders them for these headings of this repository's pages
        ("Scorecards: `scores/**/*.csv`", "scorecards-scorescsv"),
        ("`interviewers.csv` (optional): the roster", "interviewerscsv-optional-the-roster"),
        ("How the statistics work, and how to read them", "how-the-statistics-work-and-how-to-read-them"),
        ("Fairness: adverse impact by self-reported group", "fairness-adverse-impact-by-self-reported-group"),
        ("The command line", "the-command-line"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


# ------------------------------------------------------------------- make targets and commands


def _make_help_targets() -> set[str]:
    make = shutil.which("make")
    if make is None:
        pytest.fail("GNU make is not installed (apt-get install make); the quick start needs it")
    out = subprocess.run([make, "--no-print-directory", "help"], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    return {m[1] for m in re.finditer(r"^make (\S+)", out, re.MULTILINE)}


def test_make_help_and_the_readme_name_the_same_targets() -> None:
    helped = _make_help_targets()
    assert {"lab", "test"} <= helped, helped
    documented = [cell.strip("`")[len("make "):]
                  for cell in _table_cells(README.read_text(encoding="utf-8"), r"`make [^`]+`")]
    assert len(documented) == len(set(documented)), f"a make target is in the README twice: {documented}"
    assert set(documented) == helped, (
        f"only in `make help`: {sorted(helped - set(documented))}; "
        f"only in the README: {sorted(set(documented) - helped)}")


def test_readme_command_table_has_every_command_once() -> None:
    cells = _table_cells(README.read_text(encoding="utf-8"), r"`python -m analysis [^`]+`")
    named = [cell.strip("`").split()[3] for cell in cells]
    assert sorted(named) == sorted(COMMANDS), (
        f"README command table {sorted(named)} vs python -m analysis {sorted(COMMANDS)}")
    for name in COMMANDS:
        row = next(line for line in README.read_text(encoding="utf-8").splitlines()
                   if line.startswith((f"| `python -m analysis {name} ", f"| `python -m analysis {name}`")))
        assert re.search(r"\]\(docs/[a-z-]+\.md(#[a-z0-9-]+)?\)", row), f"{name}: no link to its docs page"
