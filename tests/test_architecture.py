"""The house rules of the package: imports run one way through the layers, no planmodel import
hides inside a function to dodge a cycle, and the public API is what users import."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import planmodel

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planmodel"
#: Modules allowed to import planmodel lazily inside functions: the command line and the
#: benchmarks load only what a command needs, so that ``planmodel --help`` starts fast.
LAZY_OK = {"planmodel/cli.py", "planmodel/bench/__init__.py", "planmodel/bench/apps.py"}


def test_import_linter_layers_contract_is_kept():
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 1 kept, 0 broken." in proc.stdout


def test_the_layers_contract_names_every_package():
    config = (ROOT / ".importlinter").read_text()
    for sub in sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"):
        name = sub.removesuffix(".py")
        if name in ("__init__", "templates", "__pycache__"):
            continue
        assert f"planmodel.{name}" in config, f"planmodel.{name} is in no layer of .importlinter"


def _function_level_planmodel_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module and inner.module.startswith("planmodel") \
                        or isinstance(inner, ast.ImportFrom) and inner.level > 0:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
                if isinstance(inner, ast.Import) and any(a.name.startswith("planmodel") for a in inner.names):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_no_planmodel_import_inside_a_function():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if str(path.relative_to(ROOT)) in LAZY_OK:
            continue
        offenders += _function_level_planmodel_imports(path)
    assert not offenders, "imports inside functions (move them to the top; a cycle means a layer is wrong): " \
        + ", ".join(offenders)


def test_public_api_resolves_every_name_and_is_cheap_to_import():
    for name in planmodel.__all__:
        assert getattr(planmodel, name) is not None, name
    code = "import sys, planmodel; print(json.dumps(sorted(m for m in sys.modules if m in ('xarray', 'pandas'))))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []  # names load on first use


def test_notebooks_tools_and_docs_use_no_private_module():
    texts = [p.read_text(encoding="utf-8") for p in
             [*ROOT.glob("notebooks/**/*.ipynb"), *ROOT.glob("tools/*.py"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]]
    for text in texts:
        assert "planmodel._" not in text.replace("planmodel._nbtools", "")
