from tests.servicekit import backend, pg_schema, svc

__all__ = ["backend", "pg_schema", "svc"]
