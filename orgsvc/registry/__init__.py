"""The business register (Enhetsregisteret): org numbers, lookups, role holders, the representative check."""
