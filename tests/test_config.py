import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.event.timezone == "Europe/Paris"
    assert config.event.programme == ROOT / "examples" / "bigre-2026.toml"


def test_token_comes_from_the_environment_and_is_never_shown(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "[telegram]\ntoken = 'x'\n"), {"RENCONTRE_TOKEN": "1:SECRET"}
    )
    assert config.require_token() == "1:SECRET"
    assert "SECRET" not in repr(config)
    assert "SECRET" not in str(config.model_dump())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[event]\ntimezone = 'Europe/Pariss'\n", "event.timezone: 'Europe/Pariss' is not a known"),
        ("[event]\ncolour = 'blue'\n", "event.colour: unknown key"),
        ("[evnt]\nname = 'x'\n", "evnt: unknown key"),
        ("[event]\norganisers = ['@bob']\n", "event.organisers.0:"),
        ("[event]\ndefault_language = 'de'\n", "event.default_language:"),
        ("[signups]\nclose_after_start_minutes = -3\n", "signups.close_after_start_minutes:"),
        ("[event\nname = 'x'\n", "not valid TOML"),
        # Issue 14, part 1
        ("[proposals]\napproval = 'auto'\n", "proposals.approval:"),
        ("[event]\norganisers_chat_id = 'orga'\n", "event.organisers_chat_id:"),
    ],
)
def test_a_wrong_config_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=r"config\.toml: ") as caught:
        load_config(write(tmp_path, text), {})
    assert expected in str(caught.value)


def test_missing_token_is_named(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[event]\nname = 'x'\n"), {})
    with pytest.raises(ConfigError, match=r"telegram\.token: missing"):
        config.require_token()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_check_with_a_bad_timezone_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram]\ntoken = '1:x'\n[event]\ntimezone = 'Mars/Olympus'\n")
    result = run("check", "--config", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "timezone" in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.stderr


def test_check_without_token_exits_2(tmp_path: Path) -> None:
    result = run("check", "--config", str(write(tmp_path, "[event]\nname = 'x'\n")), env={})
    assert result.returncode == 2
    assert "telegram.token" in result.stderr


def test_check_summarises_a_good_config(tmp_path: Path) -> None:
    programme = ROOT / "examples" / "bigre-2026.toml"
    text = f"[telegram]\ntoken = '1:x'\n[event]\nprogramme = '{programme}'\n"
    result = run("check", "--config", str(write(tmp_path, text)))
    assert result.returncode == 0, result.stderr
    assert "bigre-2026.toml:" in result.stdout and "items over 6 days" in result.stdout


def test_rota_rules_are_validated(tmp_path: Path) -> None:
    good = "[[rota.after]]\nkind = 'meal'\nareas = ['Vaisselle']\nplaces = 4\n"
    config = load_config(write(tmp_path, good), {})
    assert config.rota.after[0].areas == ("Vaisselle",) and config.rota.after[0].minutes == 45
    with pytest.raises(ConfigError, match=r"rota\.after\.0\.kind"):
        load_config(write(tmp_path, good.replace("'meal'", "'repas'")), {})
    with pytest.raises(ConfigError, match=r"rota\.after\.0\.places"):
        load_config(write(tmp_path, good.replace("places = 4", "places = 0")), {})
