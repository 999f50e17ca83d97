"""Errors of the feeds; the web app turns every one of them into a bare 404."""


class FeedNotFound(LookupError):
    """No such token, a revoked one, or no such scope. Deliberately says no more."""
