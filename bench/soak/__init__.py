"""The soak: 300 people through the sample week at rehearsal speed, against the real bot.

    .venv/bin/python -m bench.soak [--speed 2400] [--people 300] [--seed 2026] [--sessions 1]

The real bot (build_application and start_polling, as run.py starts it) runs the sample week
(examples/bigre-2026.toml, announcements to a group) on a RehearsalClock `--speed` times faster
than real time, from Monday 07:00 to Saturday 12:00 (125 rehearsal hours, about 190 real seconds
at 2400). It runs in a process of its own and talks over HTTP to the Bot API emulator, which runs
in this process with its flood control ON (30 messages/s overall, 20 a minute per group, 429
beyond), next to the driver that plays the people. The bot's process holds nothing but the bot,
so its memory is read apart from the emulator's (which keeps every call and every message).
The two clocks agree: both count from the same time.monotonic() moment.

Before the clock starts, nine people in ten are registered straight into the database (as
bench.week does), each with an organisation, one to three sign-ups and maybe a rota slot; the
others arrive on Monday with /start and choose their organisation. The first people take the
Telegram usernames the programme gives its facilitators, which makes them facilitators. From
then on everything goes through Telegram updates: at random moments of their waking hours
(08:00-23:00, `--sessions` times a day on average, seeded), each person asks a question (/next,
/today, "c'est quoi la suite ?" or "what's next?"), looks at /mine, asks for a workshop's card
(/workshop <id>) and presses its button (sign up, waiting list, or cancel; on a clash, switch
or keep), gives a place back (from /mine, or from the message that told them they got one),
takes or leaves a rota slot from /rota, or offers theirs from /mine (then one to three others
race for it on the group's post). A few people block the bot midweek. Facilitators go through
/change (a room move, a delay, a cancellation) and an organiser adds places to a full workshop;
organisers broadcast to everyone and to the group, post /notice and ask /rota gaps. Each person
acts once the bot answered their previous step.

Answer time: from the moment a person's update is queued in the emulator to the moment the
bot's answer (its first message in that chat that is not one it sends on its own: digest,
reminder, notice of a change...) reaches the emulator, stamped by an interceptor; for a button,
to its answerCallbackQuery. The baselines get the same texts at the same moments: each text
the driver sends the bot is also sent, by the same person, to two echo bots (built like
bench.common's echo_bot, each in a process of its own, on an emulator of its own): a bare one
(flood control off, as in the other benchmarks) and one with the bot's rate limiter (flood
control on). All of it runs at once on the same machine.

Also measured: updates handled per second; the bot's resident memory (VmRSS) through each day
and its peak, and whether it grows; private messages per person per day; the group's
messages per real minute and all messages per real second, against Telegram's 20 and 30, and
the 429s. At the end, the invariants: no item over capacity; nobody waiting while someone who
came later holds a place, nor while a place is free and sign-ups are open (checked every
evening too); one booking per person and item; every press answered exactly once; every
message and press answered; every broadcast done, every recipient accounted for; no outbox
message sent twice; no error in the bot's log; no call refused by the emulator, but the 403s
of people who blocked the bot or never started it. The exit status is 1 if one fails.

Where things are: `settings` (the week and what is played), `people` (who does what, when),
`driver` (plays them against the emulator), `processes` (the bot and the echoes, each in a
process of its own), `run` (the set-up and the week), `checks` and `verdicts` (the invariants),
`report` (the figures); `__main__` reads the command line. What the benchmarks share (the echo
bot, the stamps of what reached an emulator, Telegram's limits) is in `bench.common`.
"""
