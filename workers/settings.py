"""Settings of an installation, read once from MASHANGBAN_* variables and a `.env` file.

`MASHANGBAN_PLATFORMS` names the chat platforms served (`wecom`, later `wecom,dingtalk`);
each platform's own variables are those its settings class declares
(`integrations.platform.SettingField`), read here and validated when first needed.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from integrations import registry
from integrations.platform import CALLBACK_BODY_LONGEST, SettingField
from tasks.calendar.workdays import WorkingHours
from tasks.core.office_rules import OfficeRules
from workers import redis_urls

PREFIX = "MASHANGBAN_"
DEFAULT_PLATFORMS = "wecom"


class SettingsError(Exception):
    """A missing or malformed setting; its text is the one line the operator needs."""


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    redis_url: str  # empty: the embedded Redis server under var_dir; redis+sentinel:// too
    queue_name: str
    callback_max_age: int
    callback_max_body: int
    rules: OfficeRules
    raw: Mapping[str, str]
    platforms: tuple[str, ...] = (DEFAULT_PLATFORMS,)  # the served platforms, first = main
    web_session_minutes: int = 30  # a workbench session ends this long after its last use
    log_format: str = "text"  # "json": one JSON object per log line (docs/operations.md)
    metrics_token: str = ""  # the bearer token /metrics asks for; empty: /metrics is off

    def platform_settings(self, name: str) -> Any:
        """Platform `name`'s settings, validated when a command first needs them."""
        settings_class = registry.platform(name).settings
        settings = settings_class(**{f.attribute: _field(self.raw, f)
                                     for f in settings_class.FIELDS})
        problem = getattr(settings, "problem", lambda: None)()
        if problem:  # fields that are each fine but unusable together
            raise SettingsError(problem)
        return settings

    def check_platforms(self) -> None:
        """Validate every served platform's settings, and that its channel's limits let
        delivery resend without sending twice: a command that will talk to the platforms
        refuses to start with a broken configuration."""
        from tasks.messaging.delivery import resend_bounds_problem  # not on the hot path

        for name in self.platforms:
            self.platform_settings(name)
            problem = resend_bounds_problem(registry.platform(name).limits)
            if problem:
                raise SettingsError(f"{PREFIX}PLATFORMS: {name}: {problem}")
        for name in self.rules.groups:
            if name not in self.platforms:
                raise SettingsError(f"{PREFIX}{name.upper()}_GROUPS is set but {name} is not "
                                    f"served: add it to {PREFIX}PLATFORMS")

    def secrets(self) -> tuple[str, ...]:
        """Every credential configured: the served platforms' secret settings, the group
        robots' webhook keys, and the passwords in the database and Redis URLs. The
        processes keep them out of their logs (`workers.logs`)."""
        values = [self.raw.get(f.env, "") for name in self.platforms
                  for f in registry.platform(name).settings.FIELDS if f.secret]
        values += self.rules.robots.values()
        values.append(urlsplit(self.database_url).password or "")
        values += redis_urls.passwords(self.redis_url)
        values.append(self.metrics_token)
        return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))

    @property
    def wecom(self) -> Any:
        """The WeCom app's settings (`integrations.wecom.settings.WeComSettings`)."""
        return self.platform_settings("wecom")


def load_settings(environ: Mapping[str, str] | None = None, env_file: str = ".env") -> Settings:
    """Read settings; the process environment wins over the `.env` file."""
    merged = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    merged.update(os.environ if environ is None else environ)
    raw = {k[len(PREFIX):]: v for k, v in merged.items() if k.startswith(PREFIX)}
    var_dir = Path(raw.get("VAR_DIR") or "var").resolve()
    database_url = raw.get("DATABASE_URL") or f"sqlite:///{var_dir / 'mashangban.db'}"
    if "://" not in database_url:
        raise SettingsError(f"{PREFIX}DATABASE_URL: not a database URL: {database_url!r}")
    redis_url = raw.get("REDIS_URL", "").strip()
    if redis_url:
        try:
            redis_urls.check(redis_url)
        except redis_urls.RedisURLError as error:
            raise SettingsError(f"{PREFIX}REDIS_URL: {error}") from error
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        redis_url=redis_url,
        queue_name=raw.get("QUEUE") or "mashangban",
        callback_max_age=_integer(raw, "CALLBACK_MAX_AGE", 300),
        callback_max_body=_integer(raw, "CALLBACK_MAX_BODY", CALLBACK_BODY_LONGEST),
        rules=_rules(raw),
        raw=raw,
        platforms=_platforms(raw.get("PLATFORMS", "")),
        web_session_minutes=_integer(raw, "WEB_SESSION_MINUTES", 30),
        log_format=_log_format(raw.get("LOG_FORMAT", "")),
        metrics_token=_metrics_token(raw.get("METRICS_TOKEN", "")),
    )


LOG_FORMATS = ("text", "json")


def _log_format(text: str) -> str:
    """`text` (the default: one readable line per record) or `json` (for log collectors)."""
    value = text.strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise SettingsError(f"{PREFIX}LOG_FORMAT: must be text or json, not {text.strip()!r}")
    return value


def _metrics_token(text: str) -> str:
    """The bearer token Prometheus presents to /metrics: long enough not to be guessed,
    and made of characters a header carries as is."""
    value = text.strip()
    if value and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,256}", value):
        raise SettingsError(f"{PREFIX}METRICS_TOKEN is malformed: it must be 16 to 256 "
                            "letters, digits or ._~+/=- (e.g. from `openssl rand -hex 32`)")
    return value


def _platforms(text: str) -> tuple[str, ...]:
    """`wecom` or `wecom,dingtalk`: the platforms served, each a name the registry knows."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in registry.names()]
    if unknown:
        raise SettingsError(f"{PREFIX}PLATFORMS: unknown platform {unknown[0]!r}; "
                            f"known: {', '.join(registry.names())}")
    return names or (DEFAULT_PLATFORMS,)


def _field(raw: Mapping[str, str], field: SettingField) -> Any:
    """One platform setting, read as its class declares it."""
    if field.default is not None and not raw.get(field.env, "").strip():
        value = field.default
    elif field.kind == "url":
        value = _required(raw, field.env, r".+", field.meaning)
    else:
        value = _required(raw, field.env, field.pattern, field.meaning)
    if field.kind == "url":
        return _url(value.strip(), field.env)
    return int(value) if field.kind == "integer" else value


def _rules(raw: Mapping[str, str]) -> OfficeRules:
    """Admins (comma-separated userids) and working hours (`08:30-12:00,14:30-17:30`)."""
    admins = frozenset(a.strip() for a in raw.get("ADMINS", "").split(",") if a.strip())
    hours_text = raw.get("WORKING_HOURS", "").strip()
    try:
        hours = WorkingHours.parse(hours_text) if hours_text else WorkingHours()
    except ValueError as error:
        raise SettingsError(f"{PREFIX}WORKING_HOURS is malformed: {error}") from error
    quiet_start, quiet_end = _quiet_hours(raw.get("QUIET_HOURS", "").strip() or "21:00-08:00")
    return OfficeRules(admins=admins, working_hours=hours,
                       transfer_limit=_integer(raw, "TRANSFER_FLAG_LIMIT", 2),
                       quiet_start=quiet_start, quiet_end=quiet_end,
                       overdue_repeats=_integer(raw, "OVERDUE_REPEATS", 3),
                       merge_window=timedelta(seconds=_integer(raw, "MERGE_WINDOW", 120)),
                       rating_window_days=_integer(raw, "RATING_WINDOW", 3),
                       summary_time=_clock_time(raw, "SUMMARY_TIME", time(17, 0)),
                       robots=_robots(raw.get("ROBOTS", "")),
                       groups=_groups(raw),
                       public_url=_url(raw.get("PUBLIC_URL", "").strip()
                                       or "http://127.0.0.1:8000", "PUBLIC_URL"))


def _quiet_hours(text: str) -> tuple[time, time]:
    """`21:00-08:00`: from the first time to the second, across midnight."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as error:
        raise SettingsError(f"{PREFIX}QUIET_HOURS is malformed: write it like 21:00-08:00"
                            ) from error
    return start, end


def _clock_time(raw: Mapping[str, str], name: str, default: time) -> time:
    value = raw.get(name, "").strip()
    if not value:
        return default
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise SettingsError(f"{PREFIX}{name} is malformed: write a time like 17:00") from error


def _robots(text: str) -> dict[str, str]:
    """`3=KEY1,5=KEY2`: department platform id = group robot webhook key."""
    robots = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        department, _, key = part.partition("=")
        if not department.strip() or not re.fullmatch(r"[A-Za-z0-9\-]{1,64}", key.strip()):
            raise SettingsError(f"{PREFIX}ROBOTS is malformed: write it like 3=KEY,5=KEY "
                                "(department id = group robot key)")
        robots[department.strip()] = key.strip()
    return robots


def _groups(raw: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Other platforms' department group chats; DINGTALK_GROUPS `3=cid…,5=cid…`:
    department platform id = the group's openConversationId (the app's robot is in it)."""
    groups: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.get("DINGTALK_GROUPS", "").split(","))):
        department, _, cid = part.partition("=")
        if not department.strip() or not re.fullmatch(r"[A-Za-z0-9+/=_\-]{1,128}", cid.strip()):
            raise SettingsError(f"{PREFIX}DINGTALK_GROUPS is malformed: write it like "
                                "3=cidXXXX,5=cidYYYY (department id = openConversationId)")
        groups[department.strip()] = cid.strip()
    return {"dingtalk": groups} if groups else {}


def _required(raw: Mapping[str, str], name: str, pattern: str, meaning: str) -> str:
    value = raw.get(name, "").strip()
    if not value:
        raise SettingsError(f"{PREFIX}{name} is not set: it must be {meaning}")
    if not re.fullmatch(pattern, value):
        raise SettingsError(f"{PREFIX}{name} is malformed: it must be {meaning}")
    return value


def _integer(raw: Mapping[str, str], name: str, default: int) -> int:
    value = raw.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise SettingsError(f"{PREFIX}{name} is malformed: it must be a positive integer")
    return int(value)


def _url(value: str, name: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise SettingsError(f"{PREFIX}{name} is malformed: it must be an http(s) URL")
    return value.rstrip("/")
