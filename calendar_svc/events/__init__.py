"""Events once stored: editing them, what changed (changes, history), filters, the
export and the agenda.

Each module takes a session and a ``now``; none knows Flask or the command line.
"""
