"""ICS feeds: building calendars and feed scopes (see DESIGN.md section 5)."""
