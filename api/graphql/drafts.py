"""The drafts' queries and mutations (docs/drafts.md): `drafts`, `draft(id)`, `createDraft`,
`updateDraft`, `recordDraft`, `discardDraft`. A registrar's or an admin's token for each, reads too.

They use the application's `Drafts` (`orgchange.application.drafts`), which records through the
same `ChangeRecorder` as `POST /changes` and `recordChanges`: a draft is refused in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from orgchange.application.drafts import STATUSES, DraftError, DraftNotFound
from orgchange.application.errors import ConcurrentWriteError, DatabaseUnavailable, MalformedInput
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import text

from ..drafting import problem_json
from ..recording import problem_of
from .context import Info
from .errors import bad_argument, database_unavailable, not_recorded
from .types.change_input import ChangeInput, entry_of
from .types.draft import Draft

T = TypeVar("T")


def draft_error(error: DraftError) -> GraphQLError:
    extensions: dict[str, Any] = {"code": error.code}
    for key, value in error.details.items():
        extensions[key] = problem_json(value) if key == "problem" else value
    return GraphQLError(error.message, extensions=extensions)


async def _run(work: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(work)
    except DraftError as error:
        raise draft_error(error) from None
    except (MalformedInput, ChangeRejected, ConcurrentWriteError) as error:
        raise not_recorded(problem_of(error)) from None
    except DatabaseUnavailable as error:
        raise database_unavailable(error) from None


async def drafts(info: Info, status: str | None = strawberry.UNSET) -> list[Draft]:
    book = info.context.drafts
    if isinstance(status, str) and status not in STATUSES:
        raise bad_argument("status", str(text("BAD_USER_INPUT:status", statuses=", ".join(STATUSES))))
    chosen = status if isinstance(status, str) else None
    return [Draft.from_row(row) for row in await _run(lambda: book.listed(chosen))]


async def draft(info: Info, id: strawberry.ID) -> Draft | None:
    book = info.context.drafts
    try:
        row = await run_in_threadpool(book.get, str(id))
    except DraftNotFound:
        return None
    return Draft.from_row(row)


async def create_draft(info: Info, name: str, file: JSON | None = strawberry.UNSET) -> Draft:
    book = info.context.drafts
    caller = info.context.require_writer()
    start = file if file is not strawberry.UNSET else None
    return Draft.from_row(await _run(lambda: book.create(name, start, caller.name)))


async def update_draft(
    info: Info,
    id: strawberry.ID,
    file: JSON,
    revision: int | None = strawberry.UNSET,
    name: str | None = strawberry.UNSET,
) -> Draft:
    book = info.context.drafts
    expected = revision if isinstance(revision, int) else None
    new_name = name if isinstance(name, str) else None
    return Draft.from_row(await _run(lambda: book.update(str(id), file, expected, new_name)))


async def record_draft(info: Info, id: strawberry.ID) -> list[strawberry.ID]:
    book = info.context.drafts
    caller = info.context.require_writer()
    row = await _run(lambda: book.record(str(id), caller.name))
    return [strawberry.ID(key) for key in row.recorded_ids]


async def discard_draft(info: Info, id: strawberry.ID, revision: int | None = strawberry.UNSET) -> Draft:
    book = info.context.drafts
    expected = revision if isinstance(revision, int) else None
    return Draft.from_row(await _run(lambda: book.discard(str(id), expected)))


async def add_draft_change(
    info: Info,
    id: strawberry.ID,
    change: ChangeInput,  # type: ignore[valid-type]
    at: int | None = strawberry.UNSET,
    revision: int | None = strawberry.UNSET,
) -> Draft:
    book = info.context.drafts
    entry = entry_of(change)
    place = at if isinstance(at, int) else None
    expected = revision if isinstance(revision, int) else None
    return Draft.from_row(await _run(lambda: book.edit(str(id), place, entry, expected)))


async def replace_draft_change(
    info: Info,
    id: strawberry.ID,
    index: int,
    change: ChangeInput,  # type: ignore[valid-type]
    revision: int | None = strawberry.UNSET,
) -> Draft:
    book = info.context.drafts
    entry = entry_of(change)
    expected = revision if isinstance(revision, int) else None
    return Draft.from_row(await _run(lambda: book.edit(str(id), index, entry, expected, replace=True)))


async def remove_draft_change(
    info: Info, id: strawberry.ID, index: int, revision: int | None = strawberry.UNSET
) -> Draft:
    book = info.context.drafts
    expected = revision if isinstance(revision, int) else None
    return Draft.from_row(await _run(lambda: book.edit(str(id), index, None, expected)))


ADD_DESCRIPTION = (
    "Add one change to the draft, typed (`ChangeInput`: one field per change type), at `at` (from 1; "
    "at the end if left out). `revision` as for updateDraft; the draft as read is the one edited."
)
REPLACE_DESCRIPTION = "Replace the draft's change number `index` (from 1) with `change`."
REMOVE_DESCRIPTION = "Remove the draft's change number `index` (from 1)."

DRAFTS_DESCRIPTION = (
    "The drafts (utkast), the last saved first; `status` (open, recorded, discarded) to pick. "
    "A registrar's or an admin's token."
)
DRAFT_DESCRIPTION = "One draft; null if there is none with the id. A registrar's or an admin's token."
CREATE_DESCRIPTION = "A new draft, empty or from a change file (`file`, orgchange/v1); nothing is recorded."
UPDATE_DESCRIPTION = (
    "Save the draft's change file. `revision`: the draft's revision the edit was made from; a save "
    "from an older one is refused (DRAFT_CHANGED, `extensions.revision` the current one). Without it "
    "the save replaces whatever is there."
)
RECORD_DESCRIPTION = (
    "Record the whole draft, atomically, with the semantics of recordChanges, and close it (status "
    "recorded); returns the recorded change ids (the same ids again for a recorded draft). Refused "
    "while a change lacks its decision (DRAFT_DECISION_MISSING) or when the draft no longer fits "
    "changes recorded after it was saved (DRAFT_CONFLICT)."
)
DISCARD_DESCRIPTION = "Close the draft unrecorded (status discarded); it stays listed."
