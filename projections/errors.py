"""The read side's one error: a question about something the register has never recorded."""

from __future__ import annotations

from orgchange.domain.errors import OrgChangeError


class NotFound(OrgChangeError):
    """A query named something that does not exist."""
