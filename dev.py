#!/usr/bin/env python3
"""Set-up and launch helper for planmodel; needs nothing but Python 3.11.

    python3 dev.py app     # set up .venv, then open the main app in Voilà on 127.0.0.1
    python3 dev.py test    # set up .venv (and Chromium), then run the whole test suite

Extra arguments after ``app`` go to ``planmodel app``; after ``test`` they go to pytest.
Set-up is repeated only when pyproject.toml changes (a stamp file in .venv records it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".planmodel-setup"
CHROMIUM = Path("/usr/bin/chromium")


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def setup() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"planmodel trenger Python 3.11; dette er {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    _run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([str(PY), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"])
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when missing (needs root or sudo)."""
    if CHROMIUM.exists():
        return
    if shutil.which("apt-get") is None:
        sys.exit("Nettlesertestene trenger /usr/bin/chromium, og apt-get finnes ikke her. "
                 "Installer Chromium slik at /usr/bin/chromium finnes, og kjør på nytt.")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(prefix + ["apt-get", "update"], env=env)
    _run(prefix + ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "setup"}:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    setup()
    if cmd == "setup":
        return 0
    if cmd == "app":
        return subprocess.call([str(BIN / "planmodel"), "app", *rest], cwd=ROOT)
    ensure_chromium()
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
