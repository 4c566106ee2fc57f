"""Roles: a person's membership of an organisation, as administrator or user, and its history."""
