"""Morning digest, supervisor summaries and their chart, assessment records."""
