"""The REST endpoints, one router per resource."""
