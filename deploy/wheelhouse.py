"""The wheelhouse for an offline install: pins and checksums for the wheels `make wheelhouse`
built, and a check that they install on their own into a fresh virtualenv.

    python deploy/wheelhouse.py write wheelhouse    requirements.txt and SHA256SUMS
    python deploy/wheelhouse.py check wheelhouse    fresh venv, pip install --no-index, run it

An intranet host has no route to any package index, so the wheelhouse must hold every
wheel the app needs at the versions that resolved when it was built; `check` proves it by
installing with `--no-index` into a venv that sees nothing else (docs/deployment.md,
"Offline install").
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

APP = "mashangban"
EXTRAS = "[postgres]"


def wheels(folder: Path) -> list[Path]:
    found = sorted(folder.glob("*.whl"))
    if not found:
        raise SystemExit(f"{folder}: no wheels; run `make wheelhouse` first")
    return found


def name_and_version(wheel: Path) -> tuple[str, str]:
    """`SQLAlchemy-2.0.1-cp311-...whl` -> ("sqlalchemy", "2.0.1"), names normalised (PEP 503)."""
    name, version = wheel.name.split("-")[:2]
    return re.sub(r"[-_.]+", "-", name).lower(), version


def write(folder: Path) -> None:
    """requirements.txt pins every wheel (the app with its PostgreSQL extra); SHA256SUMS
    lets the intranet side check the copy (`sha256sum -c SHA256SUMS`)."""
    pins = []
    for wheel in wheels(folder):
        name, version = name_and_version(wheel)
        pins.append(f"{name}{EXTRAS if name == APP else ''}=={version}")
    (folder / "requirements.txt").write_text(
        "# Every wheel in this folder, as resolved by `make wheelhouse`. Install with:\n"
        "#   pip install --no-index --find-links . -r requirements.txt\n"
        + "\n".join(pins) + "\n")
    sums = [f"{hashlib.sha256(w.read_bytes()).hexdigest()}  {w.name}" for w in wheels(folder)]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"{folder}: {len(pins)} wheels pinned in requirements.txt")


def check(folder: Path) -> None:
    """Install from the wheelhouse alone into a fresh venv, then start the command line
    and load what a production process loads (the PostgreSQL driver, the chart font)."""
    folder = folder.resolve()
    with tempfile.TemporaryDirectory(prefix="wheelhouse-check-") as tmp:
        venv.create(tmp, with_pip=True)
        python = str(Path(tmp) / "bin" / "python")
        run([python, "-m", "pip", "--isolated", "install", "--quiet", "--no-index", "--find-links",
             str(folder), "-r", str(folder / "requirements.txt")], cwd=tmp)
        run([python, "-m", "pip", "check"], cwd=tmp)
        run([str(Path(tmp) / "bin" / APP), "--help"], cwd=tmp, quiet=True)
        run([python, "-c", "import psycopg, wsgi; from tasks.reports.charts import FONT_FILE; "
             "assert FONT_FILE.is_file(), FONT_FILE; "
             "assert 'site-packages' in FONT_FILE.as_posix(), FONT_FILE; print(FONT_FILE)"],
            cwd=tmp)
    print(f"{folder}: installs with --no-index into a fresh venv, and runs")


def run(command: list[str], *, cwd: str, quiet: bool = False) -> None:
    """Run from the temporary folder, so the checkout is not importable by accident, and
    with no pip configuration (a find-links or index in a pip.conf or PIP_* variable would
    let a missing wheel come from elsewhere and hide it)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    environ["PIP_CONFIG_FILE"] = os.devnull
    done = subprocess.run(command, cwd=cwd, env=environ, capture_output=quiet, text=True)
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n"
                         f"{done.stdout or ''}{done.stderr or ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["write", "check"])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("wheelhouse"))
    args = parser.parse_args()
    (write if args.action == "write" else check)(args.folder)


if __name__ == "__main__":
    sys.exit(main())
