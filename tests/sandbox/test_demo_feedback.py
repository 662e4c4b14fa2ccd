"""Issue 14 in `make demo`: the sample week's people starred the opening plenary; Alice can star
it too, is reminded of it, is asked about it once it is over; the organisers see the answers."""

from __future__ import annotations

from bot.sandbox import sample
from tests.sandbox.test_demo import ALICE, button, play, t


async def test_the_demo_shows_a_star_its_reminder_the_question_and_the_overview() -> None:
    played = await play(
        "/start",
        button("Passer"),
        "/atelier pleniere ouverture",
        button("Me le rappeler"),
        "/mine",
        ":time 2026-08-24 09:50",
        ":time 2026-08-24 12:30",
        ":as organiser",
        "/feedback",
        "/participants pleniere ouverture",
    )
    assert "⭐ Me le rappeler" in played.after(2)
    assert "🔕 Ne plus me le rappeler" in played.after(3)
    assert "⭐ Plénière d'ouverture" in played.after(4)
    assert "⏰ Dans 10 min\u202f: Plénière d'ouverture (10:00–12:00, 📍 Chapiteau)" in (
        played.after(5)
    )
    moved = played.after(6)
    question = [m for m in played.emu.observer.messages(ALICE) if m.plain_text.startswith("💬 ")]
    assert [m.plain_text.split("\u202f?")[0] for m in question] == [
        "💬 Comment c'était, Plénière d'ouverture"
    ]
    assert f"🤖 {question[0].plain_text}" in moved
    overview = played.after(8)
    answers = len(sample.PEOPLE)
    assert "📊 Retours des participant·es" in overview
    assert (
        f"Plénière d'ouverture (lundi 24 août, 10:00–12:00) · réponses\u202f: {answers}" in overview
    )
    assert "😊 3 · 😐 1 · 🙁 0 · commentaires\u202f: 2" in overview
    assert t("fr", "favourites.interested", count=answers + 1) in played.after(9)
