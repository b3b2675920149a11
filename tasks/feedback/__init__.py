"""After a close: the closure record and the 好差评 ratings with their follow-up."""
