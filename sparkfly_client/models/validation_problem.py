from __future__ import annotations

from typing import List, Optional

from pydantic import Field

from sparkfly_client.models.invalid_field import InvalidField
from sparkfly_client.models.problem import Problem

__all__ = ["ValidationProblem"]


class ValidationProblem(Problem):
    """A 422 problem: the fields the server rejected and why."""

    invalid_fields: Optional[List[InvalidField]] = Field(default=None, alias="invalidFields")
