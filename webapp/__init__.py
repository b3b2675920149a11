"""The Flask application: platform callbacks and health, on top of the runtime."""

from flask import Blueprint, Flask
from werkzeug.exceptions import HTTPException

from integrations import registry
from webapp import health
from workers.runtime import Runtime
from workers.settings import load_settings


def create_app(rt: Runtime | None = None) -> Flask:
    """Build the app around a runtime (the one from the environment if none is given)."""
    rt = rt or Runtime(load_settings())
    app = Flask(__name__)
    app.extensions["mashangban"] = rt
    # Werkzeug cuts anything far beyond the callback limit before we read it.
    app.config["MAX_CONTENT_LENGTH"] = rt.settings.callback_max_body * 4
    for platform in rt.platforms.values():  # each served platform's callback URL
        blueprint = registry.resolve(platform.blueprint)
        if not isinstance(blueprint, Blueprint):
            raise TypeError(f"{platform.blueprint} is not a Flask blueprint")
        app.register_blueprint(blueprint)
    app.register_blueprint(health.blueprint)
    app.register_error_handler(HTTPException, _plain_error)
    return app


def _plain_error(error: HTTPException) -> tuple[str, int]:
    """Answer refused requests with their status and a short reason, never a stack trace."""
    status = error.code or 400
    if status == 413:  # oversized: a malformed request like any other (issue #2: 400/403)
        status = 400
    return f"{status} {error.name}", status
