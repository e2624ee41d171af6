"""Notifications derived from events, preferences, email and digests."""
