"""What the platforms' sandboxes share: the machinery a fake chat platform needs whatever
its protocol.

`integrations.wecom.sandbox` and `integrations.dingtalk.sandbox` may not import each other;
both use this package instead (as both read the seeded office, `integrations.sandbox_office`):

- `faults`: injected answers and stalled calls, by API path (the control endpoints'
  `inject`, `stall`, `release`);
- `tokens`: access tokens issued, checked, expired and revoked;
- `calls`: the call log (and WeCom's callback log);
- `media`: uploaded temporary media with its time to live;
- `rate`: a per-minute send limit on the sandbox clock;
- `history`: the chat page's history in a SQLite file, so a restart shows what was shown;
- `server`: the sandbox's WSGI server in a background thread (tests, e2e).

It imports no platform and no Flask: each sandbox keeps its own HTTP shapes, error codes
and wording, and calls these with its own values.
"""
