"""/start and /lang: the greeting, a facilitator's welcome, the organisation, the language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import Workshop
from bot.reply import Button, Reply
from bot.views.buttons import LanguagePress, OrganisationPress
from bot.views.common import NL, Renderer, html


def welcome_facilitator(r: Renderer, name: str, items: Sequence[Workshop]) -> Reply:
    """Welcome a facilitator who followed their invitation, with the items they run."""
    titles = NL.join(html("• {}", w.title) for w in items)
    return Reply(r("roles.welcome_facilitator", name=name, titles=titles))


def greeting(r: Renderer, name: str, event: str, *, first: bool) -> Reply:
    """Greet a person: the first time (or still without organisation), or back again."""
    if first:
        return Reply(r("start.greeting", name=name, event=event))
    return Reply(r("start.welcome_back", name=name))


def ask_organisation(r: Renderer, organisations: Sequence[str]) -> Reply:
    """Ask which organisation a person comes with (one button each, and skip)."""
    rows = [(Button(org, OrganisationPress(i).pack()),) for i, org in enumerate(organisations)]
    rows.append((Button(r.plain("start.skip"), OrganisationPress(None).pack()),))
    return Reply(r("start.ask_organisation"), tuple(rows))


def organisation_chosen(r: Renderer, organisation: str | None) -> Reply:
    """Say which organisation was recorded, or that the question was skipped."""
    if organisation is None:
        return Reply(r("start.organisation_skipped"))
    return Reply(r("start.organisation_saved", organisation=organisation))


def organisation_toast(r: Renderer, organisation: str | None) -> str:
    """Say the same in the press's toast (plain text)."""
    if organisation is None:
        return r.plain("start.organisation_skipped")
    return r.plain("start.organisation_saved", organisation=organisation)


def choose_language(r: Renderer) -> Reply:
    """Offer the two languages."""
    fr, en = r.plain("lang.button_fr"), r.plain("lang.button_en")
    return Reply(
        r("lang.choose"),
        ((Button(fr, LanguagePress("fr").pack()), Button(en, LanguagePress("en").pack())),),
    )
