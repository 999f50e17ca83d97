"""Events once stored: editing them, their history, filters, the
export and the agenda.

Each module takes a session and a ``now``; none knows Flask or the command line.
"""
