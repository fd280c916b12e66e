"""Imports flow one way: accounts → projects → donations → payments / receipts / publishing →
pages / api / demo, with core below all of them. The contract is in pyproject.toml
([tool.importlinter]); `make test` runs lint-imports, and these tests show that it holds on the
tree and that an upward import breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "core",
    "accounts",
    "projects",
    "donations",
    "payments",
    "receipts",
    "publishing",
    "moderation",
    "pages",
    "api",
    "demo",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(folder):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def tree_copy(tmp_path):
    """The apps and the contract, copied where a test may break them."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "templates", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_the_import_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "broken"),
    [
        (
            "donations/services.py",
            "from receipts import services as _receipts",
            "donations is not allowed to import receipts",
        ),
        ("accounts/models.py", "import projects.models as _projects", "accounts is not allowed to import projects"),
        ("core/errors.py", "from donations.models import Pledge as _Pledge", "core is not allowed to import donations"),
        # Siblings of one layer are independent: publishing never imports receipts.
        ("publishing/report.py", "from receipts import pdf as _pdf", "publishing is not allowed to import receipts"),
    ],
)
def test_an_upward_import_breaks_the_layers(tree_copy, module, upward_import, broken):
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{upward_import}  # noqa\n")
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    assert "0 kept, 1 broken" in result.stdout
    assert broken in result.stdout


def test_an_import_inside_a_function_counts_too(tree_copy):
    path = tree_copy / "projects" / "services.py"
    path.write_text(path.read_text() + "\n\ndef _late():\n    from publishing import timeline  # noqa\n")
    result = lint_imports(tree_copy)
    assert "projects is not allowed to import publishing" in result.stdout
