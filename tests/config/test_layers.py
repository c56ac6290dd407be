"""Issue 18: the import rule holds, and would fail if someone added an upward import.

The first test runs `lint-imports` on the tree as it is. The second copies the tree's Python
packages and the contracts to a scratch folder, adds one upward import (billing, a lower
layer, importing bookings) and shows the same command then fails, naming it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def _lint(where):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_layers_hold_on_the_tree_as_it_is():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Each app imports only the apps below it KEPT" in result.stdout


def test_an_upward_import_breaks_the_build(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("templates", "static", "__pycache__", "migrations"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "billing" / "upward.py").write_text("from bookings import models  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Each app imports only the apps below it BROKEN" in result.stdout
    assert "billing.upward -> bookings.models" in result.stdout


def test_no_upward_import_is_excused():
    """The contracts hold without exceptions: every upward import has moved to its owner
    (the last two, billing's emails reaching into bookings for send_once and SentEmail,
    went when both moved to core)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    assert [c.get("ignore_imports", []) for c in contracts] == [[] for _ in contracts]
