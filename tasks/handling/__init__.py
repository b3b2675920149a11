"""The top of the domain: one inbound message, and the inbox rows that carry it."""
