"""The catalogue of cases and good practice, and the obstacles-and-solutions view."""
