"""MASHANGBAN_REDIS_URL: plain servers and masters behind Redis Sentinel, with one clear
line for every malformed Sentinel URL (docs/deployment.md, "Redis Sentinel")."""

import pytest

from workers.redis_urls import SentinelURL, client, parse_sentinel
from workers.settings import SettingsError, load_settings


def settings_with(url: str, tmp_path):
    return load_settings({"MASHANGBAN_REDIS_URL": url}, env_file=str(tmp_path / "none"))


@pytest.mark.parametrize(("url", "expected"), [
    ("redis+sentinel://sentinel1:26379,sentinel2:26380/mymaster",
     SentinelURL(sentinels=(("sentinel1", 26379), ("sentinel2", 26380)), service="mymaster")),
    ("redis+sentinel://10.0.0.5/mymaster/2",
     SentinelURL(sentinels=(("10.0.0.5", 26379),), service="mymaster", db=2)),
    ("redis+sentinel://:s%40cret@h1:26379,h2:26379,h3:26379/mashangban-redis/0",
     SentinelURL(sentinels=(("h1", 26379), ("h2", 26379), ("h3", 26379)),
                 service="mashangban-redis", password="s@cret")),
    ("redis+sentinel://app:pw@[fd00::5]:26379/mymaster/1?sentinel_password=sp",
     SentinelURL(sentinels=(("fd00::5", 26379),), service="mymaster", db=1, username="app",
                 password="pw", sentinel_password="sp")),
])
def test_a_sentinel_url_is_read_as_documented(url, expected, tmp_path):
    assert parse_sentinel(url) == expected
    assert settings_with(url, tmp_path).redis_url == url


@pytest.mark.parametrize(("url", "words"), [
    ("redis+sentinel://h1:26379", "name the monitored service"),
    ("redis+sentinel://h1:26379/", "name the monitored service"),
    ("redis+sentinel://h1:26379/mymaster/zero", "'zero' is not a number"),
    ("redis+sentinel://h1:26379/mymaster/0/extra", "name the monitored service"),
    ("redis+sentinel://h1:26379,,h2/mymaster", "sentinel address '' is malformed"),
    ("redis+sentinel://h1:port/mymaster", "'h1:port' is malformed"),
    ("redis+sentinel://h1:99999/mymaster", "port 99999 is out of range"),
    ("redis+sentinel://h1/my master", "service name 'my master' is malformed"),
    ("redis+sentinel://h1/mymaster?ssl=true", "unknown option 'ssl'"),
    ("sentinel://h1:26379/mymaster", "must start with redis://"),
    ("localhost:6379", "must start with redis://"),
])
def test_a_malformed_redis_url_is_refused_with_what_is_wrong(url, words, tmp_path):
    with pytest.raises(SettingsError) as error:
        settings_with(url, tmp_path)
    assert str(error.value).startswith("MASHANGBAN_REDIS_URL: ") and words in str(error.value)


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "rediss://:pw@cache:6380/1",
                                 "unix:///run/redis/redis.sock?db=2"])
def test_plain_redis_urls_are_still_accepted(url, tmp_path):
    assert settings_with(url, tmp_path).redis_url == url


def test_the_sentinel_urls_passwords_are_kept_out_of_the_logs(tmp_path):
    url = "redis+sentinel://:master-pw@h1:26379/mymaster/0?sentinel_password=sentinel-pw"
    secrets = settings_with(url, tmp_path).secrets()
    assert "master-pw" in secrets and "sentinel-pw" in secrets


def test_a_sentinel_client_asks_for_the_named_master_with_the_options_given():
    """No server is contacted to build the client; what it will ask is set up front
    (tests/e2e/test_redis_sentinel.py talks to a real sentinel)."""
    built = client("redis+sentinel://:pw@h1:26379,h2:26380/mymaster/4?sentinel_password=sp",
                   socket_timeout=0.2, socket_connect_timeout=0.2)
    pool = built.connection_pool
    assert pool.service_name == "mymaster"
    assert pool.connection_kwargs["db"] == 4 and pool.connection_kwargs["password"] == "pw"
    assert pool.connection_kwargs["socket_timeout"] == 0.2
    asked = [s.connection_pool.connection_kwargs for s in pool.sentinel_manager.sentinels]
    assert [(kwargs["host"], kwargs["port"]) for kwargs in asked] == [("h1", 26379), ("h2", 26380)]
    assert all(kwargs["socket_timeout"] == 0.2 and kwargs["password"] == "sp" for kwargs in asked)
