"""The README's demo works from an installed wheel, outside any checkout."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any, List

import pytest

from sparkfly_client.sandbox.examples import find_examples

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def run(command: List[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.timeout(240)
def test_demo_runs_every_documented_example_from_an_installed_wheel(tmp_path: Path) -> None:
    # Built from a copy, so the checkout gets no build/ or *.egg-info.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)]
    if importlib.util.find_spec("setuptools") is not None:
        build.append("--no-build-isolation")  # no index needed for the build backend
    run(build)
    (wheel,) = (tmp_path / "dist").glob("sparkfly_client-*.whl")

    environment = tmp_path / "fresh-venv"
    venv.create(environment, with_pip=False)
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)])
    # The runtime dependencies come from this interpreter's site-packages (no index, nothing downloaded);
    # the fresh environment's own site-packages, where the wheel went, comes first on sys.path.
    site_packages = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site_packages, "runtime-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = run([str(python), "-c", "import sparkfly_client; print(sparkfly_client.__file__)"], cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(environment)

    demo = run([str(python), "-m", "sparkfly_client.sandbox", "demo"], cwd=elsewhere, env=env)
    expected = len(find_examples(ROOT))
    assert expected > 30
    # "N of N examples ran", or "... ; K skipped" for examples that need an extra this environment lacks
    verdict = re.fullmatch(r"(\d+) of (\d+) examples ran(?:; (\d+) skipped)?", demo.stdout.splitlines()[-1])
    assert verdict is not None, demo.stdout
    ran, total, skipped = (int(n or 0) for n in verdict.groups())
    assert total == expected and ran + skipped == total and ran > 30, demo.stdout
