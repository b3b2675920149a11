"""Platforms are chosen by settings and wired from the registry alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from integrations import registry
from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import DirectoryMember, DirectorySnapshot
from tasks.models import InboxMessage, OutboxMessage, Person
from tasks.presentation import replies
from tests.clocks import ShiftedClock
from tests.conftest import TEST_WECOM, make_settings
from tests.unit.fake_platform import LIMITS, FakeChannel, FakeSettings
from webapp import create_app
from workers.jobs.messages import process_inbox, send_outbox
from workers.runtime import Runtime
from workers.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
FAKE = "tests.unit.fake_platform:PLATFORM"


@pytest.fixture
def fakechat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second platform, registered the way a new one is: one entry in the registry."""
    monkeypatch.setitem(registry.PLATFORMS, "fakechat", FAKE)


def _load(tmp_path: Path, **environ: str):
    return load_settings({**TEST_WECOM, **{f"MASHANGBAN_{k.upper()}": v
                                           for k, v in environ.items()}},
                         env_file=str(tmp_path / "none"))


def test_wecom_is_served_unless_told_otherwise(tmp_path):
    assert _load(tmp_path).platforms == ("wecom",)
    assert _load(tmp_path, platforms="wecom").platforms == ("wecom",)


def test_the_setting_chooses_the_platforms_in_order(tmp_path, fakechat):
    settings = _load(tmp_path, platforms=" fakechat , WeCom,fakechat", fakechat_token="abc")
    assert settings.platforms == ("fakechat", "wecom")
    assert settings.platform_settings("fakechat") == FakeSettings(token="abc")


def test_an_unknown_platform_is_refused_in_one_line_naming_the_known_ones(tmp_path):
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, platforms="wecom,feishu")
    assert str(error.value) == ("MASHANGBAN_PLATFORMS: unknown platform 'feishu'; "
                                "known: wecom, dingtalk")


def test_a_platform_setting_is_checked_as_its_class_declares(tmp_path, fakechat):
    settings = _load(tmp_path, platforms="wecom,fakechat", fakechat_token="NO")
    with pytest.raises(SettingsError, match="MASHANGBAN_FAKECHAT_TOKEN is malformed"):
        settings.check_platforms()
    with pytest.raises(SettingsError, match="MASHANGBAN_FAKECHAT_TOKEN is not set"):
        _load(tmp_path, platforms="fakechat").check_platforms()


def test_the_command_line_refuses_an_unknown_platform(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environ.update({**TEST_WECOM, "PYTHONPATH": str(ROOT), "MASHANGBAN_PLATFORMS": "wechat"})
    done = subprocess.run([sys.executable, "-m", "webapp.cli", "worker"], cwd=tmp_path,
                          env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mashangban: MASHANGBAN_PLATFORMS: unknown platform 'wechat'; known: wecom, dingtalk"]


def test_the_wecom_web_process_imports_no_other_platform(tmp_path):
    """The registry is lazy: a platform registered but not served is never imported."""
    probe = (
        "import sys\n"
        "from integrations import registry\n"
        f"registry.PLATFORMS['fakechat'] = {FAKE!r}\n"
        "from webapp import create_app\n"
        "from workers.runtime import Runtime\n"
        "from workers.settings import load_settings\n"
        f"settings = load_settings({TEST_WECOM!r}, env_file='/nonexistent')\n"
        "app = create_app(Runtime(settings))\n"
        "print(sorted(r.rule for r in app.url_map.iter_rules()))\n"
        "print('tests.unit.fake_platform' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    rules, imported = done.stdout.strip().splitlines()
    assert "/wecom/callback" in rules and "/fakechat/callback" not in rules
    assert imported == "False"


def test_a_second_platform_is_wired_by_the_runtime_and_the_app(
        fakechat, var_dir, database_url, redis_url, db, redis_conn):
    settings = make_settings(var_dir, database_url, redis_url, platforms="wecom,fakechat",
                             fakechat_token="abc")
    wecom = FakeChannel()
    rt = Runtime(settings, clock=ShiftedClock(), channel_override={"wecom": wecom}, _engine=db)
    fake = rt.channels["fakechat"]
    assert isinstance(fake, FakeChannel) and rt.channel is wecom
    assert rt.limits["fakechat"] == LIMITS and set(rt.inboxes) == {"wecom", "fakechat"}
    app = create_app(rt)
    assert {"/wecom/callback", "/fakechat/callback"} <= {r.rule for r in app.url_map.iter_rules()}
    with rt.sessions.begin() as session:  # lina on both platforms, wangfang on WeCom only
        apply_snapshot(session, DirectorySnapshot(members=(
            DirectoryMember("lina", "李娜", ()), DirectoryMember("wangfang", "王芳", ()))))
        apply_snapshot(session, DirectorySnapshot(members=(
            DirectoryMember("lina", "李娜", ()),)), platform="fakechat")

    client = app.test_client()
    for key, sender in [("m1", "lina"), ("m2", "wangfang")]:
        answer = client.post("/fakechat/callback", headers={"X-Fake-Token": "abc"},
                             data=json.dumps({"key": key, "sender": sender, "text": "帮助"}))
        assert answer.status_code == 200
    assert process_inbox(rt) == 2 and send_outbox(rt) == 2

    assert [to for to, _ in fake.sent] == ["lina", "wangfang"] and wecom.sent == []
    # lina is known on fakechat and gets help; wangfang is only known on WeCom
    assert fake.sent[0][1] != replies.not_in_directory()
    assert fake.sent[1][1] == replies.not_in_directory()
    with rt.sessions() as session:
        assert set(session.scalars(select(InboxMessage.platform))) == {"fakechat"}
        assert set(session.scalars(select(OutboxMessage.platform))) == {"fakechat"}
        people = session.execute(select(Person.platform, Person.userid)
                                 .order_by(Person.id)).all()
    assert people == [("wecom", "lina"), ("wecom", "wangfang"), ("fakechat", "lina")]
