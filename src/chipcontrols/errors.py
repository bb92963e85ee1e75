"""One error hierarchy: every failure a user can cause has a code, a location and a fix."""

from __future__ import annotations

from typing import Any


class ChipControlsError(Exception):
    """Base error. `loc` names the bad input (file, field path); `ctx` carries details."""

    code: str = "error"
    http_status: int = 400
    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        loc: str | None = None,
        ctx: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.loc = loc
        self.ctx = ctx or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "loc": self.loc, "ctx": self.ctx}

    def one_line(self) -> str:
        where = f" {self.loc}:" if self.loc else ""
        return f"error[{self.code}]{where} {self.message}"


class InputError(ChipControlsError):
    """The user's input (item, transaction, option) is wrong."""

    code = "invalid_input"
    http_status = 422


class NotFoundError(ChipControlsError):
    """A named thing (product, rule, snapshot) does not exist."""

    code = "not_found"
    http_status = 404


class DataError(ChipControlsError):
    """A data file (list, import) is corrupt, truncated or in the wrong format."""

    code = "invalid_data"
    http_status = 422


class LawError(ChipControlsError):
    """A law file breaks the schema: the rulebook refuses to load."""

    code = "invalid_law"
    http_status = 500
    exit_code = 3
