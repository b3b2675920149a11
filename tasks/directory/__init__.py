"""People and departments: full syncs, change events and name lookups."""
