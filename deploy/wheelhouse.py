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


LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def target(found: list[Path]) -> str:
    """What a host needs to install these wheels: the Python tags, machines and the
    newest C library any wheel requires (a wheel runs on the oldest glibc its tags name)."""
    pythons, machines, glibc = set(), set(), (0, 0)
    for wheel in found:
        python, abi, platforms = wheel.name[:-4].split("-")[-3:]
        if abi not in ("abi3", "none"):  # built for one CPython version
            pythons.update(p for p in python.split(".") if p.startswith("cp"))
        needs = []
        for tag in platforms.split("."):
            legacy = LEGACY_GLIBC.get(tag.rsplit("_", 1)[0].rsplit("_x86", 1)[0])
            match = re.match(r"manylinux_(\d+)_(\d+)_(\w+)", tag)
            if match:
                needs.append((int(match.group(1)), int(match.group(2))))
                machines.add(match.group(3))
            elif legacy:
                needs.append(legacy)
                machines.add(tag.split("_", 1)[1])
        if needs:
            glibc = max(glibc, min(needs))
    return (f"CPython {', '.join(sorted(pythons)) or 'any'}, "
            f"{', '.join(sorted(machines)) or 'any machine'}, "
            f"glibc >= {glibc[0]}.{glibc[1]}")


def write(folder: Path) -> None:
    """requirements.txt pins every wheel (the app with its PostgreSQL extra) and names the
    hosts they install on; SHA256SUMS lets the intranet side check the copy
    (`sha256sum -c SHA256SUMS`)."""
    pins = []
    for wheel in wheels(folder):
        name, version = name_and_version(wheel)
        pins.append(f"{name}{EXTRAS if name == APP else ''}=={version}")
    needs = target(wheels(folder))
    (folder / "requirements.txt").write_text(
        "# Every wheel in this folder, as resolved by `make wheelhouse`. Install with:\n"
        "#   pip install --no-index --find-links . -r requirements.txt\n"
        f"# The host needs: {needs}\n"
        + "\n".join(pins) + "\n")
    print(f"{folder}: the host needs {needs}")
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
