"""antena.toml read into typed settings: errors name the file, the line and the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given
from hypothesis import strategies as st

from antena.config import default_config_text, load_config, load_settings
from antena.errors import ProjectError
from antena.project import Project
from antena.settings import key_lines
from tests.conftest import Cli


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Project.init(tmp_path / "p").close()
    return tmp_path / "p"


def edit(folder: Path, old: str, new: str) -> int:
    """Replace ``old`` in antena.toml; returns the line (from 1) where ``new`` starts."""
    path = folder / "antena.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def error_of(folder: Path) -> str:
    with pytest.raises(ProjectError) as info:
        load_config(folder)
    return str(info.value)


def test_the_default_file_is_valid_and_typed(folder: Path) -> None:
    settings = load_settings(folder)
    assert settings.project.timezone == "America/Mexico_City"
    assert settings.privacy.redact is True and settings.relevance.threshold is None  # the model's own
    assert "robachicos" in settings.scope.query
    assert [t.id for t in settings.targets][:2] == ["pgr", "police"]
    assert all(t.aliases for t in settings.targets) and settings.topics[0].id == "kidnapping"
    assert load_config(folder)["project"]["name"] == "p"  # callers still get the parsed tables


def test_a_misspelt_key_is_an_error_with_its_line(folder: Path) -> None:
    line = edit(folder, "redact = true", "redakt = true")
    assert error_of(folder) == f"{folder / 'antena.toml'}:{line}: privacy.redakt: unknown setting (check its spelling and docs/configuration.md)"


def test_an_unknown_section_is_an_error(folder: Path) -> None:
    line = edit(folder, "[privacy]", "[privacyy]\nredact = true\n\n[privacy]")
    assert error_of(folder).startswith(f"{folder / 'antena.toml'}:{line}: privacyy: unknown setting")


def test_errors_in_arrays_of_tables_point_at_the_item(folder: Path) -> None:
    line = edit(folder, 'aliases = ["policía"', 'aliases = "policía"\nold = ["policía"')
    message = error_of(folder)
    assert f"antena.toml:{line}: targets[1].aliases: Input should be a valid list" in message
    assert "targets[1].old: unknown setting" in message  # every problem is listed


def test_values_are_checked(folder: Path) -> None:
    line = edit(folder, 'timezone = "America/Mexico_City"', 'timezone = "Mexico"')
    assert f":{line}: project.timezone: unknown time zone 'Mexico'" in error_of(folder)
    edit(folder, 'timezone = "Mexico"', 'timezone = "UTC"')
    line = edit(folder, "# threshold = 0.5", "threshold = 5")
    assert f":{line}: relevance.threshold: Input should be less than or equal to 1" in error_of(folder)


def test_campaign_dates_are_ordered(folder: Path) -> None:
    edit(folder, "# [[campaigns]]\n# id = \"esperanza-2017\"",
         "[[campaigns]]\nid = \"esperanza-2017\"\nstart = 2017-03-31\nend = 2017-03-01\n# ")
    message = error_of(folder)
    assert re.search(r"antena\.toml:\d+: campaigns\[0\]: end 2017-03-01 is before start 2017-03-31", message)


def test_an_analyser_rejects_unknown_settings_naming_the_line(folder: Path, cli: Cli) -> None:
    line = edit(folder, "[pipeline]", "[analysers.topics]\nmin_confidense = 0.4\n\n[pipeline]") + 1
    load_config(folder)  # the project's own sections are fine
    result = cli("analyze", folder, expect=2)
    flat = " ".join(result.output.split())
    assert f"antena.toml:{line}: analysers.topics.min_confidense: unknown setting" in flat
    edit(folder, "min_confidense = 0.4", 'min_confidence = "high"')
    flat = " ".join(cli("analyze", folder, expect=2).output.split())
    assert f"antena.toml:{line}: analysers.topics.min_confidence: Input should be a valid number" in flat


def test_a_declared_settings_model_checks_values(folder: Path, cli: Cli) -> None:
    line = edit(folder, "[pipeline]", "[analysers.target_sentiment]\nmodel_weight = 2\n\n[pipeline]") + 1
    flat = " ".join(cli("analyze", folder, expect=2).output.split())
    assert f"antena.toml:{line}: analysers.target_sentiment.model_weight: Input should be less than or equal to 1" in flat


def test_key_lines_skip_multiline_strings() -> None:
    text = default_config_text("x")
    lines = key_lines(text)
    rows = text.splitlines()
    assert rows[lines["scope.query"] - 1].startswith("query = '''")
    assert "scope.OR" not in lines and not any(k.startswith("scope.(") for k in lines)
    assert rows[lines["targets[4].aliases"] - 1].startswith("aliases = [\"Niños Robados\"")
    assert rows[lines["topics[8].seeds"] - 1].startswith("seeds = [\"no hacen nada\"")


names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
values = st.one_of(st.integers(), st.booleans(), st.text(max_size=20), st.lists(st.integers(), max_size=3))


@given(st.dictionaries(names, st.dictionaries(names, values, min_size=1, max_size=4), min_size=1, max_size=4))
def test_every_written_key_is_found_on_its_line(doc: dict) -> None:
    text = tomlkit.dumps(doc)
    lines = key_lines(text)
    rows = text.splitlines()
    for table, keys in doc.items():
        assert rows[lines[table] - 1].strip() == f"[{table}]"
        for key in keys:
            assert rows[lines[f"{table}.{key}"] - 1].lstrip().startswith(f"{key} =")


def test_every_analyser_declares_or_derives_its_settings() -> None:
    import inspect

    from antena import registry

    for name, cls in registry.analysers().items():
        model = cls.settings_model()
        params = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                  if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
        assert set(params) <= set(model.model_fields), name
        assert model.model_config.get("extra") == "forbid", name


def test_collect_and_alerts_sections_are_read_and_checked(folder: Path) -> None:
    edit(folder, "# [collect.mastodon]", "[collect.mastodon]\napi_base = \"https://mastodon.social\"\n# ")
    edit(folder, "# [[collect.jobs]]\n# source = \"bluesky\"", "[[collect.jobs]]\nsource = \"bluesky\"\nquery = \"amber\"\n# ")
    edit(folder, "# [alerts]\n# dashboard_url", "[alerts]\ndashboard_url = \"http://127.0.0.1:8765\"\n# dashboard_url")
    settings = load_settings(folder)
    assert settings.collect.jobs[0].source == "bluesky" and settings.alerts.dashboard_url
    assert load_config(folder)["collect"]["mastodon"]["api_base"] == "https://mastodon.social"
    line = edit(folder, 'query = "amber"', 'querry = "amber"')
    assert f"antena.toml:{line}: collect.jobs[0].querry: unknown setting" in error_of(folder)
