"""DuckDB's buffer pool is capped at a laptop's share unless ``[project] memory_limit`` says otherwise."""

from __future__ import annotations

from pathlib import Path

from antena.project import Project


def _limit(project: Project) -> str:
    return str(project.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])


def test_default_and_configured_memory_limit(project_dir: Path) -> None:
    project = Project(project_dir)
    try:
        default = _limit(project)
        assert default == "610.3 MiB"  # 640MB
    finally:
        project.close()
    config = project_dir / "antena.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('# memory_limit = "2GB"', 'memory_limit = "512MB"'),
                      encoding="utf-8")
    project = Project(project_dir)
    try:
        assert _limit(project) == "488.2 MiB"  # 512MB
    finally:
        project.close()
