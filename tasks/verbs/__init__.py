"""The chat verbs, one module per verb or small family, each defining its `VERBS` records
(see record.py); registry.py discovers them. docs/verbs-architecture.md tells how to add one."""
