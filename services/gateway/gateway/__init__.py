"""HTTP/JSON gateway in front of the gRPC services, derived from the protos' HTTP bindings."""
