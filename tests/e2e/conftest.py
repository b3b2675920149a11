"""The end-to-end office: product web app, a platform's sandbox and an in-process worker.

The platform comes from the `platform` fixture: "wecom" unless the module is marked
`pytest.mark.platforms(...)`, which runs each test once per listed platform that has a
driver (`tests/e2e/platforms.py`).
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import Engine

from tasks.directory.sync import apply_snapshot
from tests.clocks import ShiftedClock
from tests.conftest import make_settings
from tests.e2e import platforms
from tests.e2e.browsers import chromium
from tests.e2e.drivers import ChatDriver
from tests.e2e.office import Office, ProductServer
from tests.e2e.processes import Workers, stop_all
from tests.seeded_office import ADMINS, OFFICE_START
from webapp import create_app
from webapp.cli.main import main
from workers import runtime as runtime_module
from workers.runtime import Runtime


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (skipped, or failed under MASHANGBAN_REQUIRE_BROWSER, without it)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def product() -> Iterator[ProductServer]:
    server = ProductServer()
    yield server
    server.shutdown()


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(start=OFFICE_START)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `platforms(...)` runs once per listed platform that has a driver."""
    marker = metafunc.definition.get_closest_marker("platforms")
    if marker is None or "platform" not in metafunc.fixturenames:
        return
    metafunc.parametrize("platform", platforms.available(tuple(marker.args)), indirect=True)


@pytest.fixture
def platform(request: pytest.FixtureRequest) -> str:
    """The platform the office runs on: the test's parameter, else the default."""
    return getattr(request, "param", platforms.DEFAULT)


@pytest.fixture
def driver(platform: str, product: ProductServer, clock: ShiftedClock) -> Iterator[ChatDriver]:
    """The platform's sandbox, calling back the product, on the office's clock."""
    started = platforms.start(platform, callback_base=product.url, clock=clock.epoch)
    yield started
    started.shutdown()


@pytest.fixture
def office(product: ProductServer, driver: ChatDriver, var_dir: Path, database_url: str,
           redis_url: str, db: Engine, redis_conn: redis.Redis,
           clock: ShiftedClock) -> Iterator[Office]:
    """A synced office ready to chat; every test starts with empty data and an empty Redis."""
    settings = make_settings(var_dir, database_url, redis_url, **driver.settings(),
                             admins=",".join(ADMINS), public_url=product.url)
    rt = Runtime(settings, clock=clock, _engine=db)
    product.app = create_app(rt)
    runtime_module.install(rt)
    with rt.sessions.begin() as session:
        apply_snapshot(session, rt.channel.fetch_directory(), platform=driver.name)
    driver.connect(rt)
    yield Office(rt, driver)
    driver.disconnect()
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
