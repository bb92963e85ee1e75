from tests.servicekit import sqlite_svc

__all__ = ["sqlite_svc"]
