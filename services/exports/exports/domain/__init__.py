"""Use-cases, models and errors: imports neither grpc, sqlalchemy nor generated code."""
