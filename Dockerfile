# Mashangban's production image: the wheel and its dependencies on a slim Python 3.11, run
# as an unprivileged user, `mashangban` as the entrypoint (`web` by default; `worker`,
# `dingtalk-stream`, `db upgrade`, `sync-directory` ... as the command).
# docs/deployment.md shows how compose.yaml runs it; CI builds it and runs a smoke test
# (deploy/smoke.sh) where a Docker engine is available. Needs BuildKit (Docker 23 and later
# use it by default) for RUN --mount; no `# syntax=` line, so an intranet build host does not
# have to pull a Dockerfile frontend image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: every wheel the app needs, its own included (the same as `make wheelhouse`) ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md wsgi.py ./
COPY tasks ./tasks
COPY integrations ./integrations
COPY workers ./workers
COPY webapp ./webapp
RUN pip wheel --wheel-dir /wheels ".[postgres]"

# --- run: the installed wheel (not editable), no compiler, no sources, no pip cache ---
FROM ${PYTHON_IMAGE}
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MASHANGBAN_VAR_DIR=/var/lib/mashangban \
    MPLCONFIGDIR=/tmp/matplotlib
# The versions are pinned by the wheels the build stage made; nothing comes from an index.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels "mashangban[postgres]" \
    && groupadd --system --gid 10001 mashangban \
    && useradd --system --uid 10001 --gid mashangban --home-dir /var/lib/mashangban \
       --create-home --shell /usr/sbin/nologin mashangban
# The supervisor summary's chart is set in the CJK font the package carries (no system
# font is needed): fail the build if it did not come with the wheel.
RUN python -c "from tasks.reports.charts import FONT_FILE; assert FONT_FILE.is_file(), FONT_FILE"
USER 10001:10001
WORKDIR /var/lib/mashangban
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["mashangban"]
CMD ["web", "--host", "0.0.0.0", "--port", "8000"]
