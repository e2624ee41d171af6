"""The demo network that `make run` seeds: realistic data across every domain.

Each domain contributes one `seed(session, ctx)` step in `app/<domain>/demo.py`; the steps
run in order in one transaction, sharing what they created through the DemoContext.
"""
