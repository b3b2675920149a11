"""WSGI module for the benchmarks: the product app from the environment plus a bare route.

`gunicorn benchmarks.bench_app:app` serves exactly what `mashangban web` serves (the app
built by `webapp.create_app` from `MASHANGBAN_*` variables), with one addition: `POST /bare`,
which answers an empty 200 without touching anything, as the baseline of the same stack.
A `.env` file in the working directory is deliberately ignored.
"""

import os

from flask import Flask

from webapp import create_app
from workers.runtime import Runtime
from workers.settings import load_settings


def build() -> Flask:
    """The product app with the baseline route added."""
    app = create_app(Runtime(load_settings(env_file=os.devnull)))

    @app.post("/bare")
    def bare() -> str:
        return ""

    return app


app = build()
