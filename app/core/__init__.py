"""Domain-free plumbing: errors, the journal, events, pagination, mail, the edge."""
