"""The end-to-end office: product web app, WeCom sandbox and an in-process worker."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from integrations.wecom.sandbox import SandboxConfig, SandboxThread
from tasks.directory.sync import apply_snapshot
from tests.clocks import ShiftedClock
from tests.conftest import TEST_WECOM, make_settings
from tests.e2e.office import Office, ProductServer
from tests.e2e.processes import Workers, stop_all
from tests.seeded_office import ADMINS, OFFICE_START
from webapp import create_app
from webapp.cli.main import main
from workers import runtime as runtime_module
from workers.runtime import Runtime


@pytest.fixture
def product() -> Iterator[ProductServer]:
    server = ProductServer()
    yield server
    server.shutdown()


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(start=OFFICE_START)


@pytest.fixture
def sandbox(product: ProductServer, clock: ShiftedClock) -> Iterator[SandboxThread]:
    config = SandboxConfig(
        corp_id=TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"],
        agent_id=int(TEST_WECOM["MASHANGBAN_WECOM_AGENT_ID"]),
        secret=TEST_WECOM["MASHANGBAN_WECOM_SECRET"],
        token=TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
        aes_key=TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"],
        callback_url=f"{product.url}/wecom/callback",
        clock=clock.epoch,
    )
    thread = SandboxThread(config)
    yield thread
    thread.shutdown()


@pytest.fixture
def office(product: ProductServer, sandbox: SandboxThread, var_dir: Path, database_url: str,
           redis_url: str, db: Engine, redis_conn: redis.Redis,
           clock: ShiftedClock) -> Iterator[Office]:
    """A synced office ready to chat; every test starts with empty data and an empty Redis."""
    settings = make_settings(var_dir, database_url, redis_url, wecom_api_base=sandbox.url,
                             admins=",".join(ADMINS))
    rt = Runtime(settings, clock=clock, _engine=db)
    product.app = create_app(rt)
    runtime_module.install(rt)
    with rt.sessions.begin() as session:
        apply_snapshot(session, rt.channel.fetch_directory())
    yield Office(rt, sandbox)
    runtime_module.install(None)  # type: ignore[arg-type]


@pytest.fixture
def admin(office: Office, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Run `mashangban ARGS…` in-process with the office's settings and clock.

    Returns a function giving (exit code, output). The admin commands read the clock
    through `webapp.cli.common.now`, which follows the office's clock here.
    """
    for name, value in office.rt.settings.raw.items():
        monkeypatch.setenv(f"MASHANGBAN_{name}", value)
    monkeypatch.setattr("webapp.cli.common.now", office.rt.clock)

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


@pytest.fixture
def environment(office: Office) -> dict[str, str]:
    """The environment for product processes started as children: the office's settings,
    nothing inherited from the developer's own MASHANGBAN_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environ.update({f"MASHANGBAN_{k}": v for k, v in office.rt.settings.raw.items()})
    environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return environ


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Product processes a test starts (`tests.e2e.processes.start`), stopped afterwards."""
    children: list[subprocess.Popen] = []
    yield children
    stop_all(children)


@pytest.fixture
def workers(environment: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    """Real `mashangban worker` processes on the office's settings; all stopped at the end."""
    pool = Workers(environment, tmp_path)
    yield pool
    pool.stop_all()
