"""The registry of verbs holds together: every command has a handler, names and places in
help are unique, the authorization matrix is exactly the verbs' rows, and docs/commands.md
lists the verbs the code knows."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import tasks
from tasks.core.authority import CLAIMANT, MATRIX, ROLE_LABELS
from tasks.language import Command, Unknown
from tasks.verbs.accept import VERBS as ACCEPT_VERBS
from tasks.verbs.record import Verb
from tasks.verbs.registry import REGISTRY, Registry, Unhandled, discover, parse_command

ROOT = Path(__file__).resolve().parents[2]


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found | {deep for sub in found for deep in _subclasses(sub)}


def test_every_command_type_a_verb_module_defines_has_a_handler():
    shipped = {cls for cls in _subclasses(Command) if cls.__module__.startswith("tasks.")}
    handled = set(REGISTRY.command_types())
    assert shipped - handled == set(), "a command type no verb handles"
    assert Unknown in handled


@pytest.mark.parametrize("verb", REGISTRY.verbs, ids=lambda v: v.verb)
def test_every_example_parses_to_the_verbs_own_command(verb: Verb):
    for example in {verb.example, *verb.examples}:
        command = parse_command(example)
        assert type(command) is verb.command, example
        assert REGISTRY.lookup(verb.verb) is verb


def test_the_dispatcher_refuses_a_command_no_verb_handles():
    @dataclass(frozen=True)
    class Stray(Command):
        pass

    with pytest.raises(Unhandled, match="Stray"):
        REGISTRY.dispatch(None, Stray())  # type: ignore[arg-type]  # fails before any use


def test_discovery_finds_every_module_with_verbs():
    modules = {path.stem for path in (ROOT / "tasks" / "verbs").glob("*.py")}
    reading = {"interpret", "natural", "word_order"}  # the language entry point, no verbs
    assert modules - {"__init__", "record", "registry", *reading} == {
        verb.handle.__module__.rsplit(".", 1)[1] for verb in discover("tasks.verbs")}


def test_help_order_and_names_are_unique():
    orders = [verb.order for verb in REGISTRY.verbs]
    assert len(set(orders)) == len(orders) and orders == sorted(orders)
    names = [name.lower() for verb in REGISTRY.verbs for name in verb.names]
    assert len(set(names)) == len(names)


def test_a_verb_that_clashes_is_refused_when_registered():
    [accept] = ACCEPT_VERBS
    registry = Registry([accept])
    with pytest.raises(ValueError, match="taken"):
        registry.add(Verb(**{**vars(accept), "order": 1, "aliases": ("收到",)}))
    with pytest.raises(ValueError, match="order"):
        registry.add(Verb(**{**vars(accept), "verb": "领取", "aliases": ()}))


def test_the_matrix_is_exactly_the_rows_the_verbs_declare():
    declared = {verb.action.key: verb.action for verb in REGISTRY.verbs if verb.action}
    assert MATRIX == declared


def test_every_action_the_domain_asks_for_is_declared_by_a_verb():
    """Card buttons and transitions ask for rows by key; each key must belong to a verb."""
    asked = set()
    for path in (ROOT / "tasks").rglob("*.py"):
        asked |= set(re.findall(r"\.require\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    assert asked and asked <= set(MATRIX), asked - set(MATRIX)
    assert Path(tasks.__file__).parent == ROOT / "tasks"


# ---- docs/commands.md ------------------------------------------------------------------------


def _verb_table() -> list[list[str]]:
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    section = text.split("## 2. Verbs", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[1:]]


def test_the_docs_table_lists_exactly_the_registered_verbs():
    listed = [name for row in _verb_table() for name in row[0].split(" / ")]
    assert sorted(listed) == sorted(verb.verb for verb in REGISTRY.verbs)


@pytest.mark.parametrize("row", _verb_table(), ids=lambda row: row[0])
def test_each_docs_row_agrees_with_its_verbs(row: list[str]):
    names, aliases, _, example, who, _ = row
    verbs = [REGISTRY.lookup(name) for name in names.split(" / ")]
    assert all(verbs)
    for verb in verbs:
        assert all(alias in aliases for alias in verb.aliases), (verb.verb, verb.aliases)
        if verb.action is None:
            assert "anyone" in who
        else:
            labels = [ROLE_LABELS[r] if r != CLAIMANT else "claimant" for r in verb.action.roles]
            assert all(label in who for label in labels), (verb.verb, labels)
    command = parse_command(example.strip("`"))
    assert type(command) in {verb.command for verb in verbs}, example
