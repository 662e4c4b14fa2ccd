"""The service unit, the lock files and `make install`: what a deployment relies on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "rencontre.service"
LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
DEV_TOOLS = {"pytest", "pytest-asyncio", "ruff", "mypy", "hypothesis"}
# The unit's paths, and where a test copy puts them
INSTALLED = ("/opt/rencontre", "/etc/rencontre", "/var/lib/rencontre")


def unit_keys(text: str) -> dict[str, list[str]]:
    """Read a unit file's keys (a key may come more than once)."""
    keys: dict[str, list[str]] = defaultdict(list)
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            keys[key.strip()].append(value.strip())
    return keys


def verify(unit: Path) -> str:
    """Give what systemd-analyze verify says of a unit (nothing when it is right)."""
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--recursive-errors=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    said = (result.stdout + result.stderr).strip()
    return said or ("" if result.returncode == 0 else f"exit status {result.returncode}")


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here: the unit is not verified")
    # The unit's folders do not exist here: a copy points at folders that do, and the venv's
    # python at this one
    text = UNIT.read_text(encoding="utf-8")
    for path in INSTALLED:
        text = text.replace(path, str(tmp_path / path.strip("/").replace("/", "-")))
    python = tmp_path / "opt-rencontre" / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    for folder in ("etc-rencontre", "var-lib-rencontre"):
        (tmp_path / folder).mkdir()
    (tmp_path / "etc-rencontre" / "rencontre.env").write_text("RENCONTRE_TOKEN=1:x\n")
    copy = tmp_path / "rencontre.service"
    copy.write_text(text, encoding="utf-8")
    assert verify(copy) == ""

    # and it would say so if the unit were wrong
    copy.write_text(text.replace("Restart=always", "Restart=sometimes"), encoding="utf-8")
    assert "sometimes" in verify(copy)


def test_the_unit_runs_the_bot_as_its_own_user_and_writes_only_the_database_folder() -> None:
    keys = unit_keys(UNIT.read_text(encoding="utf-8"))
    one = {key: values[-1] for key, values in keys.items()}
    assert one["User"] == "rencontre" and one["Group"] == "rencontre"
    assert one["Restart"] == "always"
    assert one["KillSignal"] == "SIGTERM"
    assert int(one["TimeoutStopSec"]) > 10, "longer than the bot's clean stop"
    assert one["EnvironmentFile"] == "/etc/rencontre/rencontre.env"
    folder = one["WorkingDirectory"]
    assert (
        one["ExecStart"] == f"{folder}/.venv/bin/python run.py --config /etc/rencontre/config.toml"
    )
    assert keys["ReadWritePaths"] == ["/var/lib/rencontre"]
    assert one["StateDirectory"] == "rencontre"
    assert one["ProtectSystem"] == "strict"
    for key in ("ProtectHome", "PrivateTmp", "NoNewPrivileges", "PrivateDevices"):
        assert one[key] == "yes", key
    assert one["CapabilityBoundingSet"] == ""


def pins(lock: Path) -> dict[str, str]:
    """Read a lock file: each package's exact version; each must carry a hash."""
    text = lock.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match is None:
            continue
        assert "--hash=sha256:" in block, f"{lock.name}: {match[1]} has no hash"
        found[match[1].lower()] = match[2]
    return found


def test_the_lock_files_pin_pyprojects_dependencies_and_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, dev = pins(LOCK), pins(DEV_LOCK)
    assert not DEV_TOOLS & runtime.keys(), "the service installs no development tools"
    assert dev.keys() >= DEV_TOOLS
    assert {name: dev.get(name) for name in runtime} == runtime, "the same versions in both"
    wanted = [(runtime, d) for d in project["dependencies"]]
    wanted += [(dev, d) for d in project["optional-dependencies"]["dev"]]
    for lock, line in wanted:
        requirement = Requirement(line)
        name = requirement.name.lower()
        assert name in lock, f"{name} is not locked: run `make lock`"
        assert requirement.specifier.contains(lock[name], prereleases=True), (name, lock[name])
    for path in (LOCK, DEV_LOCK):
        assert "make lock" in path.read_text(encoding="utf-8"), "the file says how to refresh it"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed here")
def test_make_install_installs_the_runtime_lock_only() -> None:
    def planned(target: str) -> str:
        result = subprocess.run(
            ["make", "--dry-run", "--always-make", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    install = planned("install")
    assert "--require-hashes --requirement requirements.lock" in install
    assert "requirements-dev.lock" not in install and "[dev]" not in install
    assert "--require-hashes --requirement requirements-dev.lock" in planned(".venv/.installed")
