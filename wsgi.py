"""WSGI entry point: ``gunicorn wsgi:app``."""

from orgsvc import create_app

app = create_app()
