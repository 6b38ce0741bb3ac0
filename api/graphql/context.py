"""What every resolver can reach during one GraphQL request."""

from __future__ import annotations

from typing import TypeAlias

import strawberry
from fastapi import status
from graphql import GraphQLError
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from orgchange.application import OrgChange
from orgchange.application.config import Settings
from orgchange.application.drafts import Drafts
from orgchange.application.tokens import Caller
from projections.batches import BatchReader

from ..dependencies import (
    NEED_READ_TOKEN,
    NEED_TOKEN,
    NEED_WRITER,
    CallerDep,
    DraftsDep,
    OrgChangeDep,
    ReaderDep,
    RecorderDep,
    SettingsDep,
    unauthenticated,
)
from ..recording import ChangeRecorder
from .errors import FORBIDDEN, UNAUTHENTICATED
from .limits import ResultBudget
from .loaders import Loaders

# Units, posts, delegations, links and changes one request may fetch for nested fields.
MAX_RESULT_ITEMS = 200_000


class RequestContext(BaseContext):
    def __init__(
        self,
        orgchange: OrgChange,
        settings: Settings,
        reader: BatchReader,
        recorder: ChangeRecorder,
        caller: Caller | None,
        drafts: Drafts | None = None,
    ):
        super().__init__()
        self.orgchange = orgchange
        self.settings = settings
        self.reader = reader
        self.recorder = recorder
        self.caller = caller
        self._drafts = drafts
        self.draft_trials = 0  # checks and previews of drafts asked for (types/draft.py)
        self.loaders = Loaders(reader, orgchange.read_model, ResultBudget(MAX_RESULT_ITEMS))
        # Set by recordChanges when the file renamed the organisation (mutation.py).
        self.organisation_renamed: dict[str, str | None] | None = None

    @property
    def drafts(self) -> Drafts:
        """The drafts, for a registrar or an admin only (docs/drafts.md): else 401/403."""
        self.require_writer()
        assert self._drafts is not None  # get_context gives the app's drafts
        return self._drafts

    def require_writer(self) -> Caller:
        """The caller, if it may record changes; else a GraphQL error and HTTP 401/403.

        The HTTP status follows docs/http.md#who-may-read-and-write for mutations as for `POST /changes`,
        so a client that only looks at the status still sees why nothing happened.
        """
        if self.caller is None:
            self._set_status(status.HTTP_401_UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
            raise GraphQLError(str(NEED_TOKEN), extensions={"code": UNAUTHENTICATED})
        if not self.caller.can_write:
            self._set_status(status.HTTP_403_FORBIDDEN)
            raise GraphQLError(str(NEED_WRITER), extensions={"code": FORBIDDEN})
        return self.caller

    def _set_status(self, code: int, headers: dict[str, str] | None = None) -> None:
        if self.response is not None:
            self.response.status_code = code
            for name, value in (headers or {}).items():
                self.response.headers[name] = value


Info: TypeAlias = strawberry.Info[RequestContext, None]


def _is_graphiql_page(connection: HTTPConnection) -> bool:
    """The GraphiQL HTML page itself holds no data, so it stays reachable without a token.

    Same test as strawberry's `should_render_graphql_ide`.
    """
    accept = connection.headers.get("accept", "")
    return (
        connection.scope.get("method") == "GET"
        and connection.query_params.get("query") is None
        and ("text/html" in accept or "*/*" in accept)
    )


async def get_context(
    connection: HTTPConnection,
    orgchange: OrgChangeDep,
    settings: SettingsDep,
    reader: ReaderDep,
    recorder: RecorderDep,
    caller: CallerDep,
    drafts: DraftsDep,
) -> RequestContext:
    # Reads need a token only when the server is not public; writes are checked per
    # mutation (RequestContext.require_writer), since a query needs no write role.
    if caller is None and not settings.public_read and not _is_graphiql_page(connection):
        raise unauthenticated(NEED_READ_TOKEN)
    return RequestContext(orgchange, settings, reader, recorder, caller, drafts)
