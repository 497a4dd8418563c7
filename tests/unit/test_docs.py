"""The documentation a user navigates: the reference pages are what the code declares (regenerated, not
edited), every relative link in README.md and docs/ reaches a file and heading that exist, and the README
stays a newcomer's page (at most 200 lines, the two commands first)."""

from __future__ import annotations

import re
from pathlib import Path

from cortex_provider.plugin.docs import pages

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", path.read_text(), re.M)}


def _markdown() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_reference_pages_are_generated_from_the_code() -> None:
    fix = "docs/reference is stale: run `python -m cortex_provider.plugin.docs` and commit docs/reference"
    expected = pages()
    committed = {p.name: p.read_text() for p in REFERENCE.glob("*.md")}
    assert sorted(committed) == sorted(expected), fix
    for name, text in expected.items():
        assert committed[name] == text, f"{name}: {fix}"


def test_every_relative_link_reaches_a_file_and_heading() -> None:
    broken = []
    for page in _markdown():
        for target in LINK.findall(page.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(ROOT)} -> {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200, "README.md is over 200 lines: move reference material into docs/"
    first_block = text.split("```")[1]
    assert "scripts/up-local.sh" in first_block and "scripts/test.sh" in first_block
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text() + (ROOT / "scripts" / "test.sh").read_text()


def test_docs_index_names_every_page() -> None:
    index = (ROOT / "docs" / "README.md").read_text()
    missing = [p.name for p in (ROOT / "docs").glob("*.md") if p.name != "README.md" and p.name not in index]
    assert not missing, f"docs/README.md does not link: {missing}"


def test_architecture_names_every_folder_and_module() -> None:
    """docs/ARCHITECTURE.md matches the tree: each folder of cortex_provider/ and tests/ (as `name/`) and
    each top-level module of cortex_provider/."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    folders = [p for base in ("cortex_provider", "tests") for p in sorted((ROOT / base).iterdir())
               if p.is_dir() and any(p.glob("*.py"))]
    modules = [p for p in sorted((ROOT / "cortex_provider").glob("*.py")) if p.name != "__init__.py"]
    missing = [f"{p.relative_to(ROOT)}/" for p in folders if f"{p.name}/" not in text]
    missing += [str(p.relative_to(ROOT)) for p in modules if p.name not in text]
    assert not missing, f"docs/ARCHITECTURE.md does not name: {missing}"
