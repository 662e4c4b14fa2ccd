from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import Kind, Programme, Room, RotaSlot, Workshop
from bot.domain.programme import RotaRule, compare, with_all_rooms, with_rota_rules

PARIS = ZoneInfo("Europe/Paris")
NOON = datetime(2026, 8, 24, 12, 30, tzinfo=PARIS)
LUNCH = Workshop("lunch", "Déjeuner", NOON, NOON + timedelta(hours=1), Kind.MEAL, "Restaurant")
TALK = Workshop("talk", "Atelier", NOON, NOON + timedelta(hours=2), room="Chapiteau")


def test_rules_make_one_slot_per_area_after_each_meal_and_keep_the_files_slots() -> None:
    own = RotaSlot("auto-lunch-vaisselle", "Vaisselle", NOON, NOON, 9, "from the file")
    programme = Programme((LUNCH, TALK), rota=(own,))
    rule = RotaRule(Kind.MEAL, ("Vaisselle", "Salle commune"), 4, 45, offset_minutes=5)
    made = with_rota_rules(programme, [rule]).rota
    assert [(r.id, r.area, r.places) for r in made] == [
        ("auto-lunch-vaisselle", "Vaisselle", 9),
        ("auto-lunch-salle-commune", "Salle commune", 4),
    ]
    generated = made[1]
    assert generated.start == LUNCH.end + timedelta(minutes=5)
    assert generated.end - generated.start == timedelta(minutes=45)
    # the same programme makes the same ids: a re-import keeps the slots and their people
    assert with_rota_rules(programme, [rule]).rota == made


def test_rooms_used_by_items_are_declared() -> None:
    programme = with_all_rooms(Programme((LUNCH, TALK), rooms=(Room("Chapiteau", "big tent"),)))
    assert programme.rooms == (Room("Chapiteau", "big tent"), Room("Restaurant"))


def test_compare_reports_added_changed_removed() -> None:
    old = Programme((LUNCH, TALK))
    moved = Workshop("talk", "Atelier", NOON, NOON + timedelta(hours=2), room="Plage")
    new_item = Workshop("new", "Nouveau", NOON, NOON)
    report = compare(old, Programme((moved, new_item)))
    assert (report.added, report.changed, report.removed, report.unchanged) == (
        ("new",),
        ("talk",),
        ("lunch",),
        0,
    )
