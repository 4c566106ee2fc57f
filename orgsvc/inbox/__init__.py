"""The inbox on Min side: messages to a person and to an organisation (read by its administrators)."""
