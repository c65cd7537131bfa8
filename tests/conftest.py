"""Shared fixtures: real projects in temporary folders, the CLI, and ../shared when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from antena.cli import app
from antena.project import Project

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANTENA_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(__file__).parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the calling test is skipped when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is only on developer and CI machines)")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = Project.init(tmp_path / "proj", name="test")
    yield proj
    proj.close()


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    Project.init(folder, name="test").close()
    return folder


class Cli:
    """Runs the real `antena` command in-process and parses --json output."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, expect: int | None = 0):
        result = self.runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, f"exit {result.exit_code}: {result.output}"
        return result

    def json(self, *args: str, input: str | None = None, expect: int | None = 0):
        import json

        result = self(*args, "--json", input=input, expect=expect)
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()
