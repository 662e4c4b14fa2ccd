"""The configuration file: pydantic models of config.toml, validated once at start."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)

from bot.domain.models import Kind

TOKEN_ENV = "RENCONTRE_TOKEN"


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file, the key and the fault."""


class WebAddressError(ConfigError):
    """The web server cannot listen where [web] listen says (in use, not an address here)."""


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a known IANA timezone (e.g. 'Europe/Paris')") from exc
    return name


def _base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        # The value is not quoted back: a token pasted into it must not reach the terminal
        raise ValueError("must start with http:// or https://")
    return url


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(_Section):
    """The [telegram] table."""

    token: SecretStr | None = None
    api_base_url: Annotated[str, AfterValidator(_base_url)] = "https://api.telegram.org/bot"
    api_file_url: Annotated[str, AfterValidator(_base_url)] | None = None

    @property
    def file_url(self) -> str:
        """Give the base URL of file downloads, derived from api_base_url when not set."""
        if self.api_file_url:
            return self.api_file_url
        root, _, last = self.api_base_url.rstrip("/").rpartition("/")
        return f"{root}/file/{last}"


class EventConfig(_Section):
    """The [event] table."""

    name: str = "Rencontre"
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "Europe/Paris"
    default_language: Literal["fr", "en"] = "fr"
    programme: Path | None = None
    announce_chat_id: int | None = None
    organisers: tuple[int, ...] = ()
    organisations: tuple[str, ...] = ()
    organisers_chat_id: int | None = None
    """The organisers' own group: questions (/ask) and proposed sessions go there (unset: each
    organiser privately)."""

    @property
    def tz(self) -> ZoneInfo:
        """Give the event's timezone."""
        return ZoneInfo(self.timezone)


class StorageConfig(_Section):
    """The [storage] table."""

    database: Path = Path("rencontre.sqlite3")


class SignupsConfig(_Section):
    """The [signups] table."""

    close_after_start_minutes: int = Field(default=10, ge=0, le=24 * 60)


def _clock_time(text: str) -> str:
    try:
        time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day like '08:00'") from None
    return text


def _span(text: str) -> str:
    first, dash, second = text.partition("-")
    if not dash:
        raise ValueError(f"{text!r} is not a span of time like '22:00-07:30'")
    _clock_time(first.strip())
    _clock_time(second.strip())
    return text


class AnnouncementsConfig(_Section):
    """The [announcements] table."""

    enabled: bool = True
    lead_minutes: int = Field(default=15, ge=0, le=24 * 60)
    reminder_minutes: int = Field(default=10, ge=0, le=24 * 60)
    digest_at: Annotated[str, AfterValidator(_clock_time)] = "08:00"
    digest_window_minutes: int = Field(default=20, ge=0, le=240)
    quiet_hours: Annotated[str, AfterValidator(_span)] | None = "22:00-07:30"
    board: bool = True
    skip_kinds: tuple[Kind, ...] = (Kind.MEAL,)


class DeliveryConfig(_Section):
    """The [delivery] table: how the outbox sends."""

    window: int = Field(default=4, ge=1, le=30)
    max_attempts: int = Field(default=5, ge=1, le=20)


class BackupConfig(_Section):
    """The [backup] table: SQLite online backups, nightly and on demand."""

    enabled: bool = True
    at: Annotated[str, AfterValidator(_clock_time)] = "03:30"
    keep: int = Field(default=7, ge=1, le=365)
    # Relative paths are taken from the config file's folder; None: `backups/` beside the database
    directory: Path | None = None


class DraftsConfig(_Section):
    """The [drafts] table: unconfirmed /change and /broadcast drafts, kept across restarts."""

    expire_minutes: int = Field(default=24 * 60, ge=1, le=30 * 24 * 60)


class ProgrammeConfig(_Section):
    """The [programme] table: how a programme file sent to the bot is confirmed."""

    confirm_removal_share: float = Field(default=0.3, ge=0, le=1)
    """A file removing more than this share of the items needs a second confirmation."""


def _listen(text: str) -> str:
    host, colon, port = text.strip().rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not an address and port like '127.0.0.1:8080'")
    return text.strip()


def _public_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r} must start with http:// or https://")
    return url.rstrip("/")


class WebConfig(_Section):
    """The [web] table: the embedded web server (calendar links, hall screen, programme)."""

    # None: no web server
    listen: Annotated[str, AfterValidator(_listen)] | None = None
    # The address people reach it at (behind a reverse proxy); default: http://<listen>
    public_url: Annotated[str, AfterValidator(_public_url)] | None = None

    @property
    def host(self) -> str:
        """Give the address to listen on (brackets of an IPv6 address removed)."""
        assert self.listen is not None
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        """Give the port to listen on."""
        assert self.listen is not None
        return int(self.listen.rpartition(":")[2])

    @property
    def base_url(self) -> str | None:
        """Give the public address of the web server, if it is on."""
        if self.listen is None:
            return None
        return self.public_url or f"http://{self.listen}"


class RotaRule(_Section):
    """One [[rota.after]] rule: after each item of a kind, one slot per area."""

    kind: Kind
    areas: tuple[str, ...] = Field(min_length=1)
    places: int = Field(ge=1, le=500)
    minutes: int = Field(default=45, ge=5, le=24 * 60)
    offset_minutes: int = Field(default=0, ge=-24 * 60, le=24 * 60)


# Issue 14, part 1: sessions proposed in chat
class ProposalsConfig(_Section):
    """The [proposals] table: who accepts a session a participant proposes."""

    approval: Literal["organisers", "automatic"] = "organisers"
    """organisers: each waits for an organiser; automatic: accepted at once in a free slot."""


class RotaConfig(_Section):
    """The [rota] table."""

    after: tuple[RotaRule, ...] = ()


class Config(_Section):
    """The whole configuration."""

    telegram: TelegramConfig = TelegramConfig()
    event: EventConfig = EventConfig()
    storage: StorageConfig = StorageConfig()
    signups: SignupsConfig = SignupsConfig()
    rota: RotaConfig = RotaConfig()
    announcements: AnnouncementsConfig = AnnouncementsConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    backup: BackupConfig = BackupConfig()
    drafts: DraftsConfig = DraftsConfig()
    programme: ProgrammeConfig = ProgrammeConfig()
    web: WebConfig = WebConfig()
    proposals: ProposalsConfig = ProposalsConfig()

    def require_token(self, source: str = "config.toml") -> str:
        """Give the bot token, or raise ConfigError naming the key."""
        if self.telegram.token is None or not self.telegram.token.get_secret_value().strip():
            raise ConfigError(
                f"{source}: telegram.token: missing; set it in the file or in ${TOKEN_ENV}"
            )
        return self.telegram.token.get_secret_value().strip()


def _describe(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    if kind == "missing":
        return f"{key}: missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}"


def parse_config(
    data: Mapping[str, Any],
    source: str,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Validate a parsed TOML mapping; relative paths are taken from `base_dir`."""
    environ = os.environ if environ is None else environ
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_describe(first)}") from None
    updates: dict[str, Any] = {}
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        updates["telegram"] = config.telegram.model_copy(update={"token": SecretStr(token)})
    event = config.event
    if event.programme is not None and not event.programme.is_absolute():
        updates["event"] = event.model_copy(update={"programme": base_dir / event.programme})
    database = config.storage.database
    if not database.is_absolute() and str(database) != ":memory:":
        updates["storage"] = config.storage.model_copy(update={"database": base_dir / database})
    backup = config.backup
    if backup.directory is None:
        folder = updates.get("storage", config.storage).database.parent
        updates["backup"] = backup.model_copy(update={"directory": folder / "backups"})
    elif not backup.directory.is_absolute():
        updates["backup"] = backup.model_copy(update={"directory": base_dir / backup.directory})
    return config.model_copy(update=updates) if updates else config


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file, or raise ConfigError with one clear line."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (copy config.example.toml to start)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    return parse_config(data, str(path), path.resolve().parent, environ)
