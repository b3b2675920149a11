"""Reminders and escalation planned from task state and dispatched once."""
