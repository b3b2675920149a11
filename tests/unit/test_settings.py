"""Settings: defaults for one machine, and one clear line for anything missing or wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_WECOM
from workers.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_configuration(tmp_path):
    settings = load_settings({}, env_file=str(tmp_path / "missing.env"))
    assert settings.database_url.startswith("sqlite:///") and "var" in settings.database_url
    assert settings.redis_url == "" and settings.callback_max_age == 300


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("MASHANGBAN_QUEUE=from-file\nMASHANGBAN_CALLBACK_MAX_AGE=60\n")
    settings = load_settings({"MASHANGBAN_QUEUE": "from-env"}, env_file=str(env_file))
    assert settings.queue_name == "from-env" and settings.callback_max_age == 60


def test_a_complete_wecom_configuration_is_accepted(tmp_path):
    wecom = load_settings(TEST_WECOM, env_file=str(tmp_path / "none")).wecom
    assert wecom.agent_id == 1000002 and wecom.api_base == "https://qyapi.weixin.qq.com"


@pytest.mark.parametrize(("name", "value", "words"), [
    ("MASHANGBAN_WECOM_AES_KEY", "", "is not set"),
    ("MASHANGBAN_WECOM_AES_KEY", "tooshort", "43"),
    ("MASHANGBAN_WECOM_AGENT_ID", "abc", "integer"),
    ("MASHANGBAN_WECOM_TOKEN", "has spaces in it", "32"),
    ("MASHANGBAN_WECOM_API_BASE", "qyapi.example.gov.cn", "http"),
])
def test_a_bad_wecom_setting_is_named(tmp_path, name, value, words):
    environ = {**TEST_WECOM, name: value}
    with pytest.raises(SettingsError) as error:
        load_settings(environ, env_file=str(tmp_path / "none")).wecom  # noqa: B018
    assert name in str(error.value) and words in str(error.value)


@pytest.mark.parametrize(("name", "value"), [
    ("MASHANGBAN_REDIS_URL", "localhost:6379"),
    ("MASHANGBAN_DATABASE_URL", "mashangban.db"),
    ("MASHANGBAN_CALLBACK_MAX_AGE", "-5"),
    ("MASHANGBAN_RATING_WINDOW", "three"),
    ("MASHANGBAN_SUMMARY_TIME", "5pm"),
    ("MASHANGBAN_ROBOTS", "3"),
    ("MASHANGBAN_ROBOTS", "=KEY"),
])
def test_malformed_general_settings_are_named(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, env_file=str(tmp_path / "none"))


def test_report_settings_are_read(tmp_path):
    rules = load_settings({"MASHANGBAN_RATING_WINDOW": "5", "MASHANGBAN_SUMMARY_TIME": "16:30",
                           "MASHANGBAN_ROBOTS": "3=key-a, 5=keyB"},
                          env_file=str(tmp_path / "none")).rules
    assert rules.rating_window_days == 5 and rules.summary_time.isoformat() == "16:30:00"
    assert rules.robots == {"3": "key-a", "5": "keyB"}


@pytest.mark.parametrize("command", [["worker"], ["web"], ["sync-directory"]])
def test_the_command_stops_with_one_line_naming_the_missing_setting(tmp_path, command):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "webapp.cli", *command], cwd=tmp_path,
                          env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == ["mashangban: MASHANGBAN_WECOM_CORP_ID is not set: it must be the CorpID, "
                     "letters and digits"]


def test_the_metrics_token_is_a_credential_and_must_be_long(tmp_path):
    env_file = str(tmp_path / "none")
    token = "prometheus-bearer-0123456789"
    settings = load_settings({**TEST_WECOM, "MASHANGBAN_METRICS_TOKEN": token},
                             env_file=env_file)
    assert settings.metrics_token == token and token in settings.secrets()
    assert load_settings({}, env_file=env_file).metrics_token == "", "off by default"
    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        load_settings({"MASHANGBAN_METRICS_TOKEN": "short"}, env_file=env_file)
