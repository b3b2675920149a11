"""The platforms the e2e office can run on, and which scenarios run on which.

`DRIVERS` names each platform's driver (`tests/e2e/drivers/`, a `ChatDriver`). A module
opts into more than the default platform with one line:

    pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

and its tests then run once per platform listed here (`pytest_generate_tests` in
`tests/e2e/conftest.py`; ids `[wecom]`, `[dingtalk]`). A module without the mark runs on
`DEFAULT` only: it is about one platform's protocol and its docstring says why. A
platform the mark names that has no driver yet (`PLANNED`) is left out silently, so the
mark can go in before the driver; a name in neither list is an error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from tests.e2e.drivers import ChatDriver, DriverFactory

DEFAULT = "wecom"
DRIVERS: dict[str, str] = {
    "wecom": "tests.e2e.drivers.wecom:WeComDriver",
    "dingtalk": "tests.e2e.drivers.dingtalk:DingTalkDriver",
}
PLANNED: tuple[str, ...] = ()
EVERY_PLATFORM = ("wecom", "dingtalk")


def available(names: tuple[str, ...]) -> list[str]:
    """The platforms among `names` that have a driver, in the order given."""
    unknown = [n for n in names if n not in DRIVERS and n not in PLANNED]
    if unknown:
        raise ValueError(f"unknown platforms {unknown}: known are {[*DRIVERS, *PLANNED]}")
    return [n for n in names if n in DRIVERS]


def driver_factory(name: str) -> DriverFactory:
    """The driver class of platform `name`."""
    module, _, attribute = DRIVERS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def start(name: str, *, callback_base: str, clock: Callable[[], float]) -> ChatDriver:
    """A fresh sandbox of platform `name`, calling back the product at `callback_base`."""
    return driver_factory(name)(callback_base=callback_base, clock=clock)
