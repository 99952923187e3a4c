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


def test_only_the_kits_unit_of_work_ends_a_transaction():
    # STYLE.md: a service writes through the kit's unit of work (shop_common.db), and nothing else commits
    allowed = ROOT / "services" / "common" / "src" / "shop_common" / "db.py"
    ends = re.compile(r"\.(commit|rollback)\(")
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sorted(ROOT.glob("services/*/src/**/*.py")) if path != allowed
             for n, line in enumerate(path.read_text().splitlines(), 1) if ends.search(line)]
    assert not found, "use shop_common.db.unit_of_work (or end_read after reads):\n" + "\n".join(found)
