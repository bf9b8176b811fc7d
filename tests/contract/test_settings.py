"""Run settings are declared once: the CLI, the pytest options and the report come from one table."""

import argparse

import pytest

from harness.contract import report, settings
from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema, validation_errors
from harness.contract.strict_json import to_plain
from harness.errors import UserError


def _parse(*arguments):
    parser = argparse.ArgumentParser()
    settings.add_arguments(parser)
    return settings.Settings.from_arguments(parser.parse_args(list(arguments)))


def test_command_line_defaults_are_the_table_s():
    chosen = _parse()
    for setting in settings.TABLE:
        if setting.name not in ("env_name", "output"):
            expected = list(setting.default) if isinstance(setting.default, tuple) else setting.default
            assert getattr(chosen, setting.name) == expected, setting.name
    assert chosen.jobs == settings.default_jobs() == settings.Settings().jobs  # one default, wherever it is made


def test_env_name_and_report_path_are_worked_out_once(monkeypatch):
    monkeypatch.delenv("TOX_ENV_NAME", raising=False)
    assert (_parse().env_name, _parse().output) == ("local", "reports/local.json")
    monkeypatch.setenv("TOX_ENV_NAME", "tf2")
    assert (_parse().env_name, _parse().output) == ("tf2", "reports/tf2.json")
    assert _parse("--env", "x", "--output", "o.json").output == "o.json"


def test_the_report_s_settings_section_is_the_table_s_report_keys():
    section = settings.Settings(repeats=2, init_modes=["pinned"]).as_report()
    properties = load_schema(REPORT_SCHEMA_PATH)["properties"]["settings"]["properties"]
    assert set(section) == set(properties)
    assert section["repeats"] == 2 and section["init_modes"] == ["pinned"]
    document = report.new_report(section, {})
    assert not [p for p in validation_errors(to_plain(document), report.schema()) if p.startswith("settings")]


def test_settings_that_change_numbers_are_the_ones_a_resumed_report_must_share():
    assert settings.NUMBER_KEYS == ("repeats", "init_modes", "profile", "seed_offset", "learning_rate_scale",
                                    "controlled_runs", "determinism_reruns")


def test_pytest_options_are_made_from_the_same_table():
    flags = {setting.pytest_flag: setting for setting in settings.pytest_settings()}
    assert sorted(flags) == ["--harness-env", "--harness-jobs", "--harness-repeats", "--harness-report", "--harness-timeout"]
    assert flags["--harness-jobs"].default == settings.default_jobs()


@pytest.mark.parametrize("arguments", [("--timeout", "inf"), ("--timeout", "nan"), ("--timeout", "0"),
                                       ("--repeats", "0"), ("--jobs", "x"), ("--memory-limit", "-1")])
def test_numbers_outside_their_range_are_refused(arguments, capsys):
    with pytest.raises(SystemExit):
        _parse(*arguments)
    assert "expected a positive" in capsys.readouterr().err


def test_an_unknown_setting_is_our_bug_and_loud():
    with pytest.raises(TypeError, match="unknown setting"):
        settings.Settings(repeat=3)


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "-x", "x" * 101, "tab\there", "new\nline", ""])
def test_an_env_name_that_is_not_a_plain_file_name_is_refused_in_one_line(name, monkeypatch):
    monkeypatch.setenv("TOX_ENV_NAME", "tf2")
    if not name:  # empty means "not given": tox's name is used
        assert settings.Settings(env_name=name).env_name == "tf2"
        return
    with pytest.raises(UserError) as raised:
        settings.Settings(env_name=name)
    assert "an environment name is" in str(raised.value) and "\n" not in str(raised.value)


def test_the_matrix_plan_runs_one_seed_and_every_other_part():
    """The matrix plan drops only the seeds beyond the first (materiality, which harness decide adds on
    demand); every part a check's verdict, the determinism line, the cause or the localisation reads from
    stays on, and what is given on the command line wins."""
    matrix, default = _parse("--plan", "matrix"), _parse()
    assert (matrix.plan, matrix.repeats, default.plan, default.repeats) == ("matrix", 1, "default", 3)
    for name in ("init_modes", "determinism_reruns", "controlled_runs", "traces", "profile", "timeout"):
        assert getattr(matrix, name) == getattr(default, name), name
    assert _parse("--plan", "matrix", "--repeats", "5").repeats == 5
    assert matrix.as_report()["plan"] == "matrix"


def test_an_unknown_plan_is_refused():
    with pytest.raises(SystemExit):
        _parse("--plan", "everything")
    with pytest.raises(TypeError, match="unknown plan"):
        settings.Settings(plan="everything")
