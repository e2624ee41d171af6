"""The tamper-evident audit log: sealing, checkpoints, verification, search and export."""
