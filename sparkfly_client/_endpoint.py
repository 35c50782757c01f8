"""Endpoint declarations: everything the pipeline needs to know about one operation, said once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Mapping, Optional, Tuple, Type, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from sparkfly_client._retry import IDEMPOTENT_METHODS
from sparkfly_client.exceptions import ApiTypeError, ApiValueError

__all__ = ["Endpoint", "PathParam", "QueryParam", "BodyParam", "PositiveInt", "NonEmptyStr", "PathSegmentStr"]

T = TypeVar("T")


@dataclass(frozen=True)
class ParamKind:
    """How a parameter's value is checked before sending."""

    python_type: type
    description: str
    minimum: Optional[int] = None  # only for int kinds
    allow_empty: bool = True
    refused: Tuple[Any, ...] = ()  # values of the right type the API cannot take

    def check(self, name: str, value: Any) -> None:
        # bool is an int subclass; an id of True is always a mistake.
        if isinstance(value, bool) or not isinstance(value, self.python_type):
            raise ApiTypeError(
                f"Invalid type for parameter '{name}': expected {self.description}, "
                f"got {type(value).__name__} {value!r}"
            )
        if self.minimum is not None and isinstance(value, int) and value < self.minimum:
            raise ApiValueError(f"Invalid value for parameter '{name}': must be {self.description}, got {value!r}")
        if (not self.allow_empty and not value) or value in self.refused:
            raise ApiValueError(f"Invalid value for parameter '{name}': must be {self.description}, got {value!r}")


PositiveInt = ParamKind(int, "a positive int", minimum=1)
NonEmptyStr = ParamKind(str, "a non-empty str", allow_empty=False)
# Any text stays one path segment once percent-encoded, except the dot segments, which URL
# normalisation would resolve into another path.
PathSegmentStr = ParamKind(str, "a non-empty str other than '.' or '..'", allow_empty=False, refused=(".", ".."))


@dataclass(frozen=True)
class PathParam:
    name: str
    kind: ParamKind = PositiveInt


@dataclass(frozen=True)
class QueryParam:
    name: str
    kind: ParamKind = PositiveInt
    required: bool = False


@dataclass(frozen=True)
class BodyParam:
    name: str
    model: Type[BaseModel]
    required: bool = False


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """One operation: method, path template, parameters, and what each answer decodes into.

    ``returns`` is the model of every 2xx answer; ``error_model`` (or ``error_models`` by status)
    is what the body of an error answer is decoded into for the exception's ``.data``.
    ``auth`` lists the schemes the operation accepts, any one of which is enough, in order of preference.
    """

    operation_id: str
    method: str
    path: str
    returns: Optional[Type[T]]
    path_params: Tuple[PathParam, ...] = ()
    query_params: Tuple[QueryParam, ...] = ()
    body: Optional[BodyParam] = None
    error_model: Optional[Type[BaseModel]] = None
    error_models: Mapping[int, Type[BaseModel]] = field(default_factory=dict)
    auth: Tuple[str, ...] = ()
    #: the media types the operation answers with, sent as ``Accept``.
    accept: str = "application/json"
    # Whether sending the request twice has the effect of sending it once; decides what may be retried.
    idempotent: Optional[bool] = None

    @property
    def retry_safe(self) -> bool:
        return self.method in IDEMPOTENT_METHODS if self.idempotent is None else self.idempotent

    def error_model_for(self, status: int) -> Optional[Type[BaseModel]]:
        return self.error_models.get(status, self.error_model)

    def render_path(self, args: Mapping[str, Any]) -> str:
        """The path with each parameter checked and percent-encoded as one segment."""
        path = self.path
        for param in self.path_params:
            value = args.get(param.name)
            if value is None:
                raise ApiValueError(f"Missing the required parameter '{param.name}' when calling {self.operation_id}")
            param.kind.check(param.name, value)
            # An int (the usual id) is digits only: nothing to percent-encode.
            segment = str(value) if type(value) is int else quote(str(value), safe="")
            path = path.replace("{" + param.name + "}", segment)
        return path

    def render_query(self, args: Mapping[str, Any]) -> Tuple[Tuple[str, str], ...]:
        pairs = []
        for param in self.query_params:
            value = args.get(param.name)
            if value is None:
                if param.required:
                    raise ApiValueError(
                        f"Missing the required parameter '{param.name}' when calling {self.operation_id}"
                    )
                continue
            param.kind.check(param.name, value)
            pairs.append((param.name, str(value)))
        return tuple(pairs)

    def coerce_body(self, args: Mapping[str, Any]) -> Optional[BaseModel]:
        """The body argument as its model (a dict is validated into it), or ``None`` for no body."""
        spec = self.body
        if spec is None:
            return None
        value = args.get(spec.name)
        if value is None:
            if spec.required:
                raise ApiValueError(f"Missing the required parameter '{spec.name}' when calling {self.operation_id}")
            return None
        if isinstance(value, spec.model):
            return value
        if isinstance(value, dict):
            try:
                return spec.model.model_validate(value)
            except ValidationError as exc:
                problem = summarise_validation_error(exc)
                raise ApiValueError(f"Invalid value for parameter '{spec.name}': {problem}") from None
        raise ApiTypeError(
            f"Invalid type for parameter '{spec.name}': expected {spec.model.__name__} or dict, "
            f"got {type(value).__name__}"
        )


def summarise_validation_error(exc: ValidationError) -> str:
    # Only locations and messages: pydantic's own text repeats the input, which may hold a secret.
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors())
