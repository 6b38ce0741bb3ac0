"""GraphQL errors the caller can act on, and masking of everything else.

A user error (bad argument, rejected change, missing token) is raised as a
`GraphQLError` with a plain message and an `extensions.code`. Anything else
that escapes a resolver is a bug: its text could reveal internals (SQL,
paths), so `MaskErrors` replaces it with a fixed message and the original is
only logged on the server.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import PersistenceError
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import MaskErrors

from orgchange.application.errors import DatabaseUnavailable
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import text

from ..recording import Problem
from .catalogued import INTERNAL_ERROR, catalogued

INTERNAL_ERROR_MESSAGE = "Internal server error; it has been logged."

BAD_USER_INPUT = "BAD_USER_INPUT"
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


def bad_argument(argument: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT, "argument": argument})


def not_recorded(problem: Problem) -> GraphQLError:
    """A change file or change that was not recorded: the same words as `POST /changes`."""
    code = {
        "malformed": "MALFORMED_INPUT",
        "rejected": "CHANGE_REJECTED",
        "concurrent": "CONCURRENT_WRITE",
    }[problem.kind]
    extensions: dict[str, Any] = {"code": code, "errors": problem.errors, "rule": problem.rule}
    if problem.conflicts:
        extensions["conflicts"] = problem.conflicts
    return GraphQLError("\n".join(problem.errors), extensions=extensions)


log = logging.getLogger(__name__)


def database_unavailable(error: DatabaseUnavailable) -> GraphQLError:
    """The database failed (full, down) or only reads: a plain message; its own words only in the log."""
    log.error("GraphQL: the database cannot be used: %s", error)
    if error.SHOWN_WHOLE and error.text is not None:
        return catalogued(error.text, code=DATABASE_UNAVAILABLE)
    return catalogued(text(error.KEY), code=DATABASE_UNAVAILABLE)


class MaskInternalErrors(MaskErrors):
    """Masks unexpected errors (`INTERNAL_ERROR`); a failing database is said to be one, in the
    same plain words (`DATABASE_UNAVAILABLE`)."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if isinstance(error.original_error, PersistenceError | DBAPIError | PoolTimeout):
            masked = catalogued(text(DatabaseUnavailable.KEY), *(error.nodes or ()))
        else:
            masked = catalogued(text(INTERNAL_ERROR), *(error.nodes or ()))
        masked.path = error.path
        return masked


def is_user_error(error: GraphQLError) -> bool:
    """True for errors whose message is meant for the caller."""
    original = error.original_error
    if original is None:
        return True  # syntax, validation and our own errors raised as GraphQLError
    if isinstance(original, GraphQLError | OrgChangeError):
        return True
    # Argument coercion (e.g. a malformed Date) happens before any resolver runs, has
    # no path, and its message is graphql-core's plus our scalar's own wording.
    return error.path is None


def should_mask_error(error: GraphQLError) -> bool:
    return not is_user_error(error)
