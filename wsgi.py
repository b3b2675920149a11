"""The WSGI entry point for gunicorn and friends."""

from webapp import create_app

app = create_app()
