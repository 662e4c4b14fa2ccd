"""Views: a service's result turned into text and buttons (no I/O, no services)."""
