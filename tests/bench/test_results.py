"""The benchmark's results hang together: each run's Markdown is its JSON, every target it misses says why
(bench/notes.toml), and the README shows the latest run and the catalogue's figures at every size."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _report():
    spec = importlib.util.spec_from_file_location("shop_bench_report", ROOT / "bench" / "report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


report = _report()
RUNS = report.all_runs()


def test_there_are_results():
    assert RUNS, "bench/results holds no bench-<N>.json: run `make bench`"


@pytest.mark.parametrize("run", RUNS, ids=lambda r: str(r["products"]))
def test_each_runs_markdown_is_made_from_its_json(run):
    written = (report.RESULTS / f"bench-{run['products']}.md").read_text()
    assert written == report.markdown(run), "run: uv run python bench/report.py"


@pytest.mark.parametrize("run", RUNS, ids=lambda r: str(r["products"]))
def test_every_missed_target_says_why(run):
    notes = tomllib.loads(report.NOTES.read_text())
    missed = [t["id"] for t in report.targets(run) if t["met"] is False]
    assert not [key for key in missed if not notes.get(key, {}).get("why")], missed


def test_the_readme_shows_the_latest_run_and_every_size():
    text = report.README.read_text()
    assert text.count(report.START) == 1 and text.count(report.END) == 1
    shown = text.split(report.START, 1)[1].split(report.END, 1)[0]
    assert shown.strip() == report.readme_section(RUNS).strip(), "run: uv run python bench/report.py"
