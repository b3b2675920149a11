"""One access token for every process: fetched once under a lock, shared through Redis.

WeCom only: the shared token is the WeCom adapter's (wechatpy's Redis storage); DingTalk's
own client shares its token the same way, tested in tests/sandbox/test_dingtalk_channel.py.
"""

from concurrent.futures import ThreadPoolExecutor

from wechatpy.session.redisstorage import RedisStorage

from integrations.wecom.api import WeComApi


def fresh_client(office) -> WeComApi:
    """A client as another worker process would build it: own object, same Redis."""
    redis = office.rt.redis
    settings = office.rt.settings.wecom
    return WeComApi(settings.corp_id, settings.secret, api_base=settings.api_base,
                    storage=RedisStorage(redis, prefix="mashangban:wecom"),
                    lock=lambda name: redis.lock(f"mashangban:lock:{name}", timeout=30,
                                                 blocking_timeout=30))


def test_many_processes_needing_a_token_at_once_fetch_it_once(office):
    office.rt.redis.delete(*office.rt.redis.keys("mashangban:wecom:*"))
    before = len(office.sent_calls("token"))
    clients = [fresh_client(office) for _ in range(8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(lambda client: client.access_token, clients))

    assert len(tokens) == 1
    assert len(office.sent_calls("token")) == before + 1


def test_a_token_fetched_by_one_process_is_used_by_another(office):
    office.say("lina", "帮助")
    before = len(office.sent_calls("token"))
    fresh_client(office).post("message/send", data={
        "touser": "lina", "agentid": office.rt.settings.wecom.agent_id,
        "msgtype": "text", "text": {"content": "来自另一个进程"}})
    assert len(office.sent_calls("token")) == before
    assert office.last_reply("lina") == "来自另一个进程"
