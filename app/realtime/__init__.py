"""Event delivery: LISTEN/NOTIFY fan-out, websockets and long-poll."""
