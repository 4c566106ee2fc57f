"""The audit log: every decision and every refused access, with who, what, when and why."""
