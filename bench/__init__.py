"""`make bench`: measured speed of the real server, never asserted in tests."""
