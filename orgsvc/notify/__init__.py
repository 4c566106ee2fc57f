"""Notifications: immediate e-mails about decisions, and the daily digest of case news."""
