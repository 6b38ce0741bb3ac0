"""The GraphQL API (CONTRACT.md §5), built with strawberry."""
