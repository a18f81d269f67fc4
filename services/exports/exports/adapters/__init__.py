"""Repositories, object storage and clients of other services."""
