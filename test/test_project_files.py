"""The papers a new user meets first: quick start, CI, licence, version, changelog, tox."""

from __future__ import annotations

import configparser
import re
from importlib.metadata import metadata
from pathlib import Path
from typing import List

import sparkfly_client

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> List[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_the_quick_start_creates_and_uses_a_virtual_environment() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert "\n" not in command
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install -e ")
        assert " pip install" not in command.replace(".venv/bin/python -m pip install", "")  # no system pip
    assert commands[0].endswith(".venv/bin/python -m sparkfly_client.sandbox demo")
    assert commands[1].endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_quick_start_verbatim_and_every_gate() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = ci.splitlines()
    for command in quick_start_commands():
        assert command in lines
    assert "set -euo pipefail" in lines
    for gate in ("ruff format --check .", "ruff check .", "mypy --strict sparkfly_client", "coverage run -m pytest"):
        assert gate in ci
    for version in ("3.9.18/bin/python3.9", "3.13.0/bin/python3.13"):
        assert version in ci


def test_tox_covers_every_supported_python_and_fails_when_one_is_missing() -> None:
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    assert [env.strip() for env in tox["tox"]["envlist"].split(",")] == ["py39", "py310", "py311", "py312", "py313"]
    assert tox["tox"]["skip_missing_interpreters"] == "false"


def test_the_licence_is_the_mit_licence_the_metadata_names() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) the sparkfly_client authors\n")
    assert "MIT" in (metadata("sparkfly_client")["License"] or "")


def test_the_version_is_written_once() -> None:
    assert metadata("sparkfly_client")["Version"] == sparkfly_client.__version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert sparkfly_client.__version__ not in pyproject
    assert 'dynamic = ["version"]' in pyproject


def test_the_changelog_has_the_unreleased_version_first() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\](.*)$", changelog, flags=re.M)
    assert versions[0] == ("1.1.0", " - Unreleased")
    assert ("1.0.0", "") in versions


def test_contributing_names_the_tests_the_gates_and_the_benchmarks() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for needed in ("python -m pytest", "ruff format --check .", "mypy --strict", "benchmarks/run.py", "tox"):
        assert needed in contributing
