"""Documents use-cases and rules: no grpc, no sqlalchemy."""
