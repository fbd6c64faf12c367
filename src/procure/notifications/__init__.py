"""Telling people what concerns them: an in-app inbox per user, e-mail, and a daily digest."""
