"""Running the service: logs and their redaction, health facts, backups, the gunicorn config."""
