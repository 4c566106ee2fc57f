"""Outgoing e-mail: an outbox written in the sender's transaction, delivered afterwards."""
