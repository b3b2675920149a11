"""The Flask application: platform callbacks and health, on top of the runtime."""

from flask import Blueprint, Flask
from werkzeug.exceptions import HTTPException

from integrations import registry
from webapp import health, metrics, requests_log
from webapp.errors import plain_error, unexpected
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
    app.register_blueprint(metrics.blueprint)
    metrics.count_callbacks(app, list(rt.platforms))
    requests_log.install(app, line_per_request=rt.settings.log_format == "json")
    from webapp import workbench  # the pages need the domain; the callback views do not

    workbench.register(app)
    app.register_error_handler(HTTPException, plain_error)
    app.register_error_handler(Exception, unexpected)  # no input ever gives a 500
    return app
