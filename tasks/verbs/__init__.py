"""The chat verbs, one module per verb or small family, each defining its `VERBS` records
(see record.py); registry.py discovers them. docs/architecture.md, "Adding a verb", tells
how to add one."""
