"""The repository keeps its promises to a newcomer: the README tells the truth and `make help` is whole."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_help_lists_every_target_and_every_target_says_what_it_does():
    makefile = (ROOT / "Makefile").read_text()
    targets = re.findall(r"^([a-z][a-z0-9_-]*):", makefile, flags=re.M)
    undocumented = [t for t in targets if not re.search(rf"^{t}:.*## \S", makefile, flags=re.M)]
    assert not undocumented
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    for target in targets:
        assert re.search(rf"\b{re.escape(target)}\b", shown), target


def test_the_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make dev" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
