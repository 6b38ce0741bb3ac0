"""The schema: queries, mutations, strict scalars, and limits on what one request may ask.

Extensions are given as factories, so each request gets its own instance
(shared instances would share state between concurrent requests).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules
from strawberry.schema.config import StrawberryConfig

from .documents import DEFAULT_MAX_TOKENS, BoundedDocuments, IntrospectionOffTheLoop
from .errors import INTERNAL_ERROR_MESSAGE, MaskInternalErrors, is_user_error, should_mask_error
from .execution import PlainFieldsExecutionContext
from .limits import ResultSizeLimiter, limits_rule
from .mutation import Mutation, OrganisationRenamedExtension
from .observed import OperationMetrics
from .query import MAX_PAGE_SIZE, Query
from .scalars import SCALAR_MAP
from .text import NoNulLiteral, NoNulText

# organisation { units { children { children { positions { delegations { id }}}}}} is 7 deep;
# 12 leaves room for real questions and none for pathological nesting.
MAX_DEPTH = 12
MAX_ALIASES = 30
# Tokens of a document: `ORGCHANGE_GRAPHQL_MAX_TOKENS` (this is its default); parsing stops there.
MAX_TOKENS = DEFAULT_MAX_TOKENS
# The estimated number of values in an answer (api/graphql/limits.py): api/README.md's example
# query costs about 2,800, one page of 1,000 changes with a dozen fields about 13,000; thirty
# such pages, or units { parent { children { parent { children … } } } } five times over, are
# refused before they run.
MAX_COST = 50_000
# An operation asking only about the schema: GraphiQL's introspection query is estimated at
# about 47,000 (its answer holds some 3,600 values: the estimate counts every level of
# `ofType` in a type reference, most of them null); three times that is allowed, and
# `fields { type { fields { type … } } }` through the whole schema is not.
MAX_INTROSPECTION_COST = 150_000


class OrgChangeSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Log only what is a bug; a caller's bad argument is not a server error.
        unexpected = [error for error in errors if not is_user_error(error)]
        super().process_errors(unexpected, execution_context)


# Documents parsed and validated are kept (api/graphql/documents.py): a client asks the same
# few queries with other variables, and validation costs more than answering a small one.
# The rules are made once, so that they are the same rules on every request. Depth, aliases
# and cost are measured in one walk, linear in the size of the document.
LIMIT_RULES = (
    limits_rule(MAX_DEPTH, MAX_ALIASES, MAX_COST, MAX_PAGE_SIZE, MAX_INTROSPECTION_COST),
    NoNulLiteral,
)


def build_schema() -> strawberry.Schema:
    return OrgChangeSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=PlainFieldsExecutionContext,
        extensions=[
            lambda: AddValidationRules(list(LIMIT_RULES)),
            BoundedDocuments,  # parses and validates off the event loop, and keeps both
            IntrospectionOffTheLoop,  # answers questions about the schema in a worker thread, kept
            NoNulText,  # after BoundedDocuments: it adds to what validation found
            ResultSizeLimiter,
            OrganisationRenamedExtension,
            OperationMetrics,
            lambda: MaskInternalErrors(
                should_mask_error=should_mask_error, error_message=INTERNAL_ERROR_MESSAGE
            ),
        ],
    )


schema = build_schema()
