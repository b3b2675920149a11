"""The chat platform port and the durable inbox and outbox around it."""
