"""The embedded web server: the hall's screen, the programme for phones, calendars, health."""
