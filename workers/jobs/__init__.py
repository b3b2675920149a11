"""RQ jobs: small functions that take ids or nothing, and find their runtime themselves."""
