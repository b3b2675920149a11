"""The platforms this product can serve, by name: the one list the composition root reads.

Each entry is the dotted path of a `Platform` description (`module:attribute`), imported
only when that platform is asked for, so configuring `wecom` never imports another
platform. Adding a platform is one line here (docs/architecture.md, "Adding a platform").
"""

from importlib import import_module

from integrations.platform import Platform

PLATFORMS: dict[str, str] = {
    "wecom": "integrations.wecom.platform:PLATFORM",
    "dingtalk": "integrations.dingtalk.platform:PLATFORM",
}


class UnknownPlatform(LookupError):
    """A platform name no entry of `PLATFORMS` has."""


def names() -> tuple[str, ...]:
    """The known platform names, in registration order."""
    return tuple(PLATFORMS)


def platform(name: str) -> Platform:
    """The description of platform `name`, importing its module on first use."""
    try:
        module, _, attribute = PLATFORMS[name].partition(":")
    except KeyError:
        raise UnknownPlatform(name) from None
    found = getattr(import_module(module), attribute)
    if not isinstance(found, Platform) or found.name != name:
        raise TypeError(f"{PLATFORMS[name]} is not the Platform {name!r}")
    return found


def resolve(dotted: str) -> object:
    """The object a `module:attribute` path names (a platform's blueprint, for the web app)."""
    module, _, attribute = dotted.partition(":")
    return getattr(import_module(module), attribute)
