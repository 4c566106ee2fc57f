"""Approvals: the regulator's queue of first-time organisation administrators and its decisions."""
