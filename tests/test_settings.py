from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.settings import Settings, Slo, default_config_path, load_settings

NO_FILE = Path("/nonexistent/config.toml")


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_env_or_file():
    settings = load_settings(env={}, config_path=NO_FILE)
    assert settings == Settings()
    assert settings.lake == Path("./advisor-data") and settings.regions == () and settings.config_file is None


def test_the_file_overrides_defaults(tmp_path):
    path = config(
        tmp_path,
        'lake = "/data/lake"\nregions = ["us-east-1", "eu-west-1"]\nprofile = "ro"\n'
        "[slo]\nmax_cpu_percent = 70\n",
    )
    settings = load_settings(env={}, config_path=path)
    assert settings.lake == Path("/data/lake")
    assert settings.regions == ("us-east-1", "eu-west-1")
    assert settings.profile == "ro" and settings.slo == Slo(max_cpu_percent=70)
    assert settings.config_file == path


def test_env_overrides_the_file(tmp_path):
    path = config(tmp_path, 'lake = "/data/lake"\nregions = "all"\nprofile = "ro"\n')
    env = {
        "ADVISOR_LAKE": "/tmp/other",
        "AWS_PROFILE": "admin",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4599",
    }
    settings = load_settings(env=env, config_path=path)
    assert settings.lake == Path("/tmp/other") and settings.profile == "admin"
    assert settings.regions == ("eu-west-1",) and settings.endpoint_url == "http://127.0.0.1:4599"


def test_aws_region_wins_over_aws_default_region():
    env = {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}
    assert load_settings(env=env, config_path=NO_FILE).regions == ("us-west-2",)


def test_the_config_path_follows_xdg_and_can_be_pointed_elsewhere():
    assert default_config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/apprunner-advisor/config.toml")
    assert default_config_path({"ADVISOR_CONFIG": "/y/c.toml"}) == Path("/y/c.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lake = ", "not valid TOML"),
        ('lakes = "x"', "unknown setting"),
        ("regions = 3", "regions"),
        ("[slo]\nlatency_factor = 0.5", "latency_factor"),
        ("[slo]\ncpu = 50", "unknown \\[slo\\]"),
    ],
)
def test_a_bad_file_is_an_error_naming_the_problem(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_settings(env={}, config_path=config(tmp_path, text))


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().lake = Path("x")  # type: ignore[misc]


def test_the_minimum_benefit_and_the_max_size_limit_default_to_one_dollar_five_percent_and_25():
    advice = load_settings(env={}, config_path=Path("/nonexistent")).advice
    assert (advice.min_savings_usd, advice.min_savings_pct, advice.max_size_limit) == (1.0, 5.0, 25)


def test_the_advice_section_sets_them(tmp_path):
    path = config(tmp_path, "[advice]\nmin_savings_usd = 2.5\nmin_savings_pct = 10\nmax_size_limit = 60\n")
    advice = load_settings(env={}, config_path=path).advice
    assert (advice.min_savings_usd, advice.min_savings_pct, advice.max_size_limit) == (2.5, 10, 60)


def test_logs_default_to_error_lines_paced_under_the_quota():
    logs = load_settings(env={}, config_path=NO_FILE).logs
    assert (logs.app_logs, logs.max_requests, logs.requests_per_second) == ("errors", 1000, 4.0)
    assert logs.filter_pattern == logs.pattern and "?ERROR" in logs.pattern


def test_the_logs_section_of_the_file_sets_the_policy(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[logs]\napp_logs = "all"\nmax_requests = 50\nrequests_per_second = 2.5\n')
    logs = load_settings(env={}, config_path=path).logs
    assert (logs.app_logs, logs.max_requests, logs.requests_per_second) == ("all", 50, 2.5)
    assert logs.filter_pattern is None  # every line: no pattern sent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[advice]\nmin_savings = 1\n", "unknown [advice] setting(s) min_savings"),
        ("[advice]\nmin_savings_usd = -1\n", "advice.min_savings_usd=-1"),
        ("[advice]\nmin_savings_pct = 120\n", "advice.min_savings_pct=120"),
        ("[advice]\nmax_size_limit = 2.5\n", "advice.max_size_limit=2.5"),
    ],
)
def test_a_bad_advice_setting_is_an_error_naming_it(tmp_path, text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        load_settings(env={}, config_path=config(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[logs]\napp_logs = "some"\n', "allowed errors, all, none"),
        ("[logs]\nrequests_per_second = 6\n", "up to 5"),
        ("[logs]\nmax_requests = 0\n", "allowed 1 or more"),
        ('[logs]\nfilter = "x"\n', "unknown [logs] setting(s) filter"),
    ],
)
def test_a_bad_logs_setting_is_an_error_naming_it(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        load_settings(env={}, config_path=path)


def test_an_s3_lake_from_the_environment_or_the_config_file_stays_s3(tmp_path):
    from advisor.lake.storage import S3Path

    lake = load_settings(env={"ADVISOR_LAKE": "s3://advisor-lake/fleet"}, config_path=tmp_path / "none").lake
    assert isinstance(lake, S3Path) and str(lake) == "s3://advisor-lake/fleet"
    config = tmp_path / "config.toml"
    config.write_text('lake = "s3://team-lake/prod/advisor"\n')
    assert str(load_settings(env={}, config_path=config).lake) == "s3://team-lake/prod/advisor"
