"""`GET /health`: is the service up, and do its read models reflect every event?"""

from __future__ import annotations

import logging

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from ..dependencies import OrgChangeDep

router = APIRouter(tags=["service"])
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: str = Field(description="'ok', or 'read models behind' until they catch up.")
    events: int = Field(description="Events in the event store.")
    last_event_id: int = Field(serialization_alias="lastEventId")
    read_models_last_event_id: int = Field(serialization_alias="readModelsLastEventId")
    read_models_up_to_date: bool = Field(serialization_alias="readModelsUpToDate")


class Unavailable(BaseModel):
    status: str
    detail: str


@router.get(
    "/health",
    summary="Service health",
    response_model=Health,
    response_model_by_alias=True,
    responses={503: {"model": Unavailable, "description": "The database cannot be reached."}},
)
def health(orgchange: OrgChangeDep) -> Health | JSONResponse:
    # A plain `def`: FastAPI runs it in the thread pool, as it queries the database.
    try:
        last = orgchange.last_event_id()
        projected = orgchange.read_model.last_event_id()
        events = orgchange.event_count()
    except (SQLAlchemyError, PersistenceError):  # the event store wraps the driver's errors
        log.exception("health check: the database cannot be reached")
        return JSONResponse(
            {"status": "unavailable", "detail": "the database cannot be reached"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    up_to_date = projected >= last
    return Health(
        status="ok" if up_to_date else "read models behind",
        events=events,
        last_event_id=last,
        read_models_last_event_id=projected,
        read_models_up_to_date=up_to_date,
    )
