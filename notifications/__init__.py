"""Reminders, digests, mail and the scheduler (see DESIGN.md section 6)."""
