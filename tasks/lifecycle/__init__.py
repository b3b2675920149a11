"""A task's transitions (create, accept, transfer, extend, close, reopen, cancel) and its views."""
