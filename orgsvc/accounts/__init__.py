"""Accounts: persons, registration with e-mail confirmation, login sessions, password reset."""
