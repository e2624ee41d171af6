"""Vetting: applications, email verification, focal point endorsement, moderator decisions."""
