"""Case-request channels between a requesting and a requested authority."""
