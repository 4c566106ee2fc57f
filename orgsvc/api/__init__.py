"""The case intake API for the regulator's own systems (JSON, token authentication)."""
