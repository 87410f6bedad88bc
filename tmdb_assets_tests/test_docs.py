"""The README and docs/: short enough, every link resolves, the settings table is the settings."""

import re
from pathlib import Path

import pytest

from tmdb_assets.settings import BEGIN, END, Settings, markdown_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_the_readme_fits_a_screenful_of_scrolling():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_link_resolves(doc: Path):
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in anchors(path)):
            broken.append(target)
    assert not broken, f"{doc.name}: links that do not resolve: {broken}"


def test_the_configuration_table_is_generated_from_the_settings():
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == markdown_table(), "run `make docs` after changing tmdb_assets/settings.py"
    for name in Settings.model_fields:
        assert f"TMDB_{name.upper()}" in table or name.startswith("dagster_")


def test_no_module_of_the_package_reads_the_environment_but_the_settings():
    readers = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tmdb_assets").rglob("*.py")
        if p.name != "settings.py"
        and re.search(
            r"os\.getenv|os\.environ(?!\[\"DAGSTER_(HOME|POSTGRES_URL)\"\] = )", p.read_text()
        )
    ]
    assert readers == []


def test_modules_of_one_job_stay_under_400_lines():
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in (ROOT / "tmdb_assets").rglob("*.py")
    }
    assert len(sizes) > 40
    too_long = {k: v for k, v in sizes.items() if v >= 400}
    assert too_long == {}, "a module of 400 lines or more: split it by job"
