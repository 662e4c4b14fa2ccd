"""/settings: the morning digest, reminders and the question after items, on or off."""

from __future__ import annotations

from bot.domain.planning import PersonSettings
from bot.reply import Button, Reply
from bot.views.buttons import SettingsPress
from bot.views.common import Renderer


def settings(r: Renderer, settings: PersonSettings, quiet: str | None) -> Reply:
    """Show a person's settings, with a button to turn each one the other way."""
    state = {True: r("settings.on"), False: r("settings.off")}
    text = r("settings.title", digest=state[settings.digest], reminders=state[settings.reminders])
    text += "\n" + r("settings.feedback", state=state[settings.feedback])  # issue 14
    if quiet:
        start, _, end = quiet.partition("-")
        text += "\n" + r("settings.quiet", start=start.strip(), end=end.strip())
    buttons = (
        (
            Button(
                r.plain("settings.digest_off" if settings.digest else "settings.digest_on"),
                SettingsPress("digest", not settings.digest).pack(),
            ),
        ),
        (
            Button(
                r.plain(
                    "settings.reminders_off" if settings.reminders else "settings.reminders_on"
                ),
                SettingsPress("reminders", not settings.reminders).pack(),
            ),
        ),
        (
            Button(
                r.plain("settings.feedback_off" if settings.feedback else "settings.feedback_on"),
                SettingsPress("feedback", not settings.feedback).pack(),
            ),
        ),
    )
    return Reply(text, buttons)
