"""Install and set-up: pyproject and environment.yml agree; README and .ci/run agree."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in py["dependencies"] + py["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    got = dict(_split(d) for d in deps if not d.startswith(("python", "pip")))
    assert got == wanted
    assert "python=3.11" in deps and "conda-forge" in env["channels"]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["python3 dev.py app", "python3 dev.py test"]
    assert readme.index("```") < readme.index("## ")  # the commands come before any section
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 dev.py test" in ci


def test_python_version_is_311():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert py["requires-python"] == ">=3.11,<3.12"


@pytest.mark.slow
def test_a_built_wheel_runs_a_scenario_from_any_folder(tmp_path):
    """Build the wheel from the repository, install it (without dependencies) into a fresh virtual
    environment that borrows the test environment's libraries, and run a shipped scenario from an
    empty folder: the data travel in the wheel as package data."""
    import subprocess
    import sys
    import sysconfig
    import venv

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("planmodel-*.whl"))
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    target = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    # the test environment's site-packages provide numpy, xarray ... (a .pth line; its own .pth
    # files, among them the editable planmodel, are not run from there)
    Path(target, "_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, str(wheel)],
                   check=True, capture_output=True, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import planmodel.core.paths as p; print(p.DATA_DIR); print(p.SCENARIO_DIR)"],
                           capture_output=True, text=True, check=True, cwd=work).stdout.split()
    assert all(str(Path(target)) in w for w in where), where
    scenario = Path(where[1]) / "baerum_basis.yaml"
    out = subprocess.run([str(py), "-m", "planmodel.cli", "run", str(scenario), "--out", "basis.csv"],
                         capture_output=True, text=True, cwd=work, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (work / "basis.csv").stat().st_size > 10_000
