"""The help a person reads agrees with what the product lets them do."""

import pytest

from tasks.core.authority import MATRIX, ROLE_LABELS
from tasks.language import Unknown
from tasks.verbs.help import help_text
from tasks.verbs.registry import REGISTRY, parse_command

VERB_ACTIONS = {verb.verb: verb.action.key for verb in REGISTRY.verbs if verb.action}
VERB_DETAILS = {verb.verb: verb.detail for verb in REGISTRY.verbs if verb.available}
VERBS = {verb.verb: verb.summary for verb in REGISTRY.verbs if verb.available}


@pytest.mark.parametrize("verb", sorted(VERB_ACTIONS))
def test_help_names_exactly_the_roles_the_matrix_allows(verb):
    text = help_text(verb)
    [line] = [line for line in text.split("\n") if line.startswith("谁可以用：")]
    allowed = [ROLE_LABELS[role] for role in MATRIX[VERB_ACTIONS[verb]].roles]
    assert line == f"谁可以用：{'、'.join(allowed)}。"


@pytest.mark.parametrize("verb", sorted(VERB_DETAILS))
def test_every_example_in_the_help_is_understood(verb):
    for line in help_text(verb).split("\n"):
        if line.startswith("例："):
            assert not isinstance(parse_command(line[2:]), Unknown), line


def test_the_overview_lists_every_verb():
    overview = help_text(None)
    assert all(verb in overview for verb in VERBS)
