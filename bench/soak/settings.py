"""What the soak plays: the week, the people's habits, the organisers' plans; what it reads."""

from __future__ import annotations

from datetime import timedelta

from bench.common import at

START = at(24, 7)  # Monday, before the first digest
END = at(29, 12)  # Saturday noon: the programme ends at 11:00
EARLY = timedelta(hours=6)  # the bot's clock starts this much before START, then jumps to it
SPEED = 2400.0
PEOPLE = 300
SEED = 2026
SESSIONS = 1.0  # what a person does, times a day on average
FIRST_ID = 40_001
ORGANISERS = (49_001, 49_002)
ORGANISATIONS = ("Oxalis", "Coopaname", "Smart")
ENGLISH_SHARE = 0.2
LATE_SHARE = 0.1  # arrive on Monday with /start
BLOCKERS = 3  # people who block the bot midweek
AWAKE = (8, 23)  # the hours people act in
ARRIVALS = (at(24, 8), at(24, 13))
BLOCKING = (at(25, 10), at(26, 20))
BOOKED_EACH = (1, 3)  # sign-ups each registered person starts the week with
ROTA_SHARE = 0.5  # and the share with a rota slot
TIMEOUT = 60.0  # real seconds a step waits for the bot
GRACE = 20.0  # real seconds left to the bot after END to finish what is due
SAMPLE_EVERY = 0.5  # real seconds between two readings of memory and backlog
# What a person does in a session, and how often (weights)
KINDS = {"ask": 45, "mine": 10, "sign_up": 22, "give_back": 8, "rota": 10, "offer": 5}
PLAIN = {"fr": "c'est quoi la suite ?", "en": "what's next?"}
GIVE_BACK_PROMOTED = 0.3  # share of promotions a person gives back when they read it
SWITCH_ON_CLASH = 0.5
LEAVE_ROTA = 0.2
CANCEL_FROM_CARD = 0.3

BROADCASTS = (
    (at(24, 16), "all", "Bienvenue à toutes et tous ! L'accueil reste ouvert jusqu'à 20 h."),
    (at(26, 19), "group", "Ce soir, repas sur la plage : apportez une lampe."),
    (at(28, 9), "all", "Dernier jour demain : pensez à rendre vos badges à l'accueil."),
)
NOTICES = (
    (at(24, 18), "Le bus pour la gare part à 18 h 30 devant l'accueil."),
    (at(26, 8, 30), "La plage est fermée ce matin (drapeau rouge)."),
    (at(27, 18), "Concert avancé à 21 h au Chapiteau."),
    (at(29, 9), "Les chambres sont à libérer avant 11 h."),
)
CHANGES = (
    (at(24, 11), "room"),
    (at(25, 9, 30), "late"),
    (at(25, 16), "cancel"),
    (at(26, 10), "room"),
    (at(27, 9), "late"),
    (at(27, 14), "cap"),
)
GAPS_AT = (8, 15)  # an organiser asks /rota gaps every morning

# Messages the bot sends on its own: never the answer to what a person just did
UNSOLICITED = (
    "announce.digest_hello",
    "announce.reminder",
    "announce.reminder_rota",
    "announce.fix_moved",
    "announce.fix_cancelled",
    "bookings.promoted",
    "bookings.your_slot_taken",
    "change.notice",
    "broadcast.header",
    "broadcast.report",
    "feedback.ask_one",
    "feedback.ask_many",
    "feedback.summary",
)
# The toasts a press may get, to count what the presses did
TOASTS = (
    "bookings.signed_up",
    "bookings.waiting",
    "bookings.already_in",
    "bookings.already_waiting",
    "bookings.cancelled",
    "bookings.left_waiting_list",
    "bookings.closed",
    "bookings.clash_toast",
    "bookings.switched",
    "bookings.switched_waiting",
    "bookings.offer_posted",
    "bookings.took",
    "bookings.offer_taken",
    "bookings.offer_gone",
    "bookings.already_on_slot",
    "bookings.take_clash",
    "bookings.rota_started",
    "bookings.not_booked",
    "bookings.not_your_slot",
    "broadcast.started",
    "common.stale_button",
    "common.bad_button",
)
RECORDED = frozenset(
    (
        "sendMessage",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    )
)
LABELS = ("/next", "/today", "plain words", "/mine", "/workshop", "/rota")

READY, GO, STOP = "ready", "go", "stop"
