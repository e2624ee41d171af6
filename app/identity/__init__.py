"""Membership, vetting, sign-in with MFA, sessions, roles."""
