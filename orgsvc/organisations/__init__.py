"""Organisations: the businesses that persons represent, tied to Enhetsregisteret by org number."""
