"""The callback's web process loads only what storing a message needs from the domain."""

import subprocess
import sys

import pytest

# What answering a callback needs: the inbox writer, the inbound types, the models they
# store (with the text escaping their refusals quote names through, a module of `re`
# alone), the settings' office rules and the working hours those are written in.
ALLOWED = {
    "tasks", "tasks.vocabulary", "tasks.errors", "tasks.markup",
    "tasks.models", "tasks.models.base", "tasks.models.closure", "tasks.models.directory",
    "tasks.models.messaging", "tasks.models.policy", "tasks.models.reminder",
    "tasks.models.request",
    "tasks.models.routing", "tasks.models.task", "tasks.models.web", "tasks.models.audit",
    "tasks.messaging", "tasks.messaging.inbox", "tasks.messaging.inbound",
    "tasks.messaging.channel",
    "tasks.core", "tasks.core.office_rules", "tasks.calendar", "tasks.calendar.workdays",
}


@pytest.mark.parametrize("view", ["webapp.wecom", "webapp.dingtalk"])
def test_importing_the_callback_view_loads_no_domain_logic(view: str) -> None:
    probe = (f"import sys, {view}; "
             "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('tasks'))))")
    loaded = set(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                                text=True).stdout.split())
    assert "tasks.messaging.inbox" in loaded
    assert loaded - ALLOWED == set()
