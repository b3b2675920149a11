"""What every capability shares: roles, time limits, office rules, the holder ledger and
the per-message context."""
