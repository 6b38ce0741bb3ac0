"""The GraphQL API (docs/graphql.md), built with strawberry."""
