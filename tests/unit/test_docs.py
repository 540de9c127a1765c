"""The README and the docs a newcomer follows: the README stays short and its
links land, the commands they show take the flags they are shown with, and the
docs build refuses a broken link or anchor (mkdocs.yml's validation)."""

import re
import shutil
import subprocess
import sys
from functools import cache

import pytest
from markdown.extensions.toc import slugify

from tests.helpers.paths import ROOT

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
# The commands whose flags the docs show: module, and its subcommands.
COMMANDS = {
    "prep": (),
    "serving": ("recommend", "put-events", "batch"),
    "evaluation": ("report", "status"),
    "local": (),
}


def test_the_readme_is_at_most_150_lines():
    assert len(README.read_text().splitlines()) <= 150


def anchors(page) -> set[str]:
    """The anchors a Markdown page has: its headings' slugs (as mkdocs' toc makes
    them), {#id} attributes and <a id=...> elements."""
    text = page.read_text()
    found = {m.group(1) for m in re.finditer(r'<a id="([^"]+)"', text)}
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        if explicit := re.search(r"\{#([^}]+)\}\s*$", heading):
            found.add(explicit.group(1))
        else:
            found.add(slugify(heading.replace("`", ""), "-"))
    return found


def test_every_relative_link_of_the_readme_lands_on_a_file_and_an_anchor():
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    relative = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert "docs/aws.md" in relative
    for link in relative:
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.is_file(), link
        if anchor:
            assert anchor in anchors(target), link


@cache
def help_flags(module: str, sub: str | None) -> frozenset[str]:
    argv = [sys.executable, "-m", module, *([sub] if sub else []), "--help"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return frozenset(re.findall(r"--[a-z][a-z-]*", done.stdout))


def shown_commands() -> list[tuple[str, str, str | None, list[str]]]:
    """(file, module, subcommand, flags) of each `python -m <module> ...` the README and docs show."""
    found = []
    for page in [README, *PAGES]:
        text = page.read_text().replace("\\\n", " ")
        for line in text.splitlines():
            for m in re.finditer(r"python -m (prep|serving|evaluation|local)\b([^`|;&)]*)", line):
                module, rest = m.group(1), m.group(2).split()
                sub = rest[0] if COMMANDS[module] and rest and rest[0] in COMMANDS[module] else None
                flags = [f.split("=")[0] for f in rest if f.startswith("--")]
                found.append((page.name, module, sub, flags))
    return found


def test_the_docs_show_the_commands():
    shown = {(module, sub) for _, module, sub, _ in shown_commands()}
    assert ("prep", None) in shown and ("serving", "recommend") in shown and ("evaluation", "report") in shown


@pytest.mark.parametrize(
    ("module", "sub"), [(m, s) for m, subs in COMMANDS.items() for s in (subs or (None,))], ids=str
)
def test_every_flag_the_docs_show_is_one_the_command_takes(module, sub):
    wrong = [
        (page, flag)
        for page, m, s, flags in shown_commands()
        if (m, s) == (module, sub)
        for flag in flags
        if flag not in help_flags(module, sub)
    ]
    assert not wrong, f"python -m {module} {sub or ''} has no such flag: {wrong}"


def test_the_docs_build_fails_on_a_broken_anchor(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(ROOT / ".venv" / "bin"))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (scripts/bootstrap installs requirements-dev.txt)")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")

    def build() -> subprocess.CompletedProcess:
        argv = [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")]
        return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert build().returncode == 0, build().stderr
    with (tmp_path / "docs" / "cost.md").open("a") as page:
        page.write("\nSee [the gate](evaluation.md#no-such-section).\n")
    broken = build()
    assert broken.returncode != 0
    assert "does not contain an anchor '#no-such-section'" in broken.stderr
