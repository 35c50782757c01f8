"""Endpoint declarations: everything the pipeline needs to know about one operation, said once."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import (
    Any,
    Callable,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    get_args,
)
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from sparkfly_client._retry import IDEMPOTENT_METHODS
from sparkfly_client.exceptions import ApiTypeError, ApiValueError

__all__ = [
    "Endpoint",
    "PathParam",
    "QueryParam",
    "BodyParam",
    "ParamKind",
    "PositiveInt",
    "NonNegativeInt",
    "NonEmptyStr",
    "PathSegmentStr",
    "Flag",
    "PositiveIntList",
    "TimestampParam",
]

T = TypeVar("T")
#: A model, or where it lives (``"module:Name"``): imported when a call first needs it, so a cold start imports
#: and creates only the models its calls use.
ModelRef = Union[Type[Any], str]


def _model(ref: Any) -> Any:
    """The model a :data:`ModelRef` names (``None`` stays ``None``)."""
    if type(ref) is str:
        module, _, attribute = ref.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return ref


class ParamKind:
    """How a parameter's value is checked before sending. (Plain classes with slots, not dataclasses,
    throughout this module: a cold start pays for every class built at import.)"""

    __slots__ = (
        "python_type",
        "description",
        "minimum",
        "allow_empty",
        "refused",
        "item",
        "_value_checked",
        "int_floor",
    )

    def __init__(
        self,
        python_type: type,
        description: str,
        minimum: Optional[int] = None,  # only for int kinds
        allow_empty: bool = True,
        refused: Tuple[Any, ...] = (),  # values of the right type the API cannot take
        item: Optional[ParamKind] = None,  # only for list kinds
    ) -> None:
        self.python_type = python_type
        self.description = description
        self.minimum = minimum
        self.allow_empty = allow_empty
        self.refused = refused
        self.item = item
        self._value_checked = not allow_empty or bool(refused)
        #: the minimum of an int kind whose whole check it is (the usual id), for callers checking an int inline
        self.int_floor = minimum if python_type is int and not self._value_checked else None

    def check(self, name: str, value: Any) -> None:
        kind = type(value)
        # bool is an int subclass; an id of True is always a mistake.
        if kind is not self.python_type and (kind is bool or not isinstance(value, self.python_type)):
            raise self.type_error(name, value)
        if self.minimum is not None and value < self.minimum:  # a minimum is given to int kinds only
            raise self.value_error(name, value)
        if self._value_checked and ((not self.allow_empty and not value) or value in self.refused):
            raise self.value_error(name, value)

    def type_error(self, name: str, value: Any) -> ApiTypeError:
        return ApiTypeError(
            f"Invalid type for parameter '{name}': expected {self.description}, got {type(value).__name__} {value!r}"
        )

    def value_error(self, name: str, value: Any, hint: str = "") -> ApiValueError:
        return ApiValueError(f"Invalid value for parameter '{name}': must be {self.description}{hint}, got {value!r}")

    def texts(self, name: str, value: Any) -> Tuple[str, ...]:
        """The value checked and written as the query text(s) it is sent as (one pair per text)."""
        self.check(name, value)
        if self.python_type is bool:
            return ("true" if value else "false",)
        return (str(value),)


PositiveInt = ParamKind(int, "a positive int", minimum=1)


class ListKind(ParamKind):
    """A non-empty list (or tuple) of one kind (``item``), sent as the parameter repeated: ``ids=1&ids=2``."""

    __slots__ = ()

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, (list, tuple)):
            raise self.type_error(name, value)
        if not value:  # an empty filter would silently mean "no filter"
            raise self.value_error(name, value)
        item_kind = self.item or PositiveInt
        for index, item in enumerate(value):
            item_kind.check(f"{name}[{index}]", item)

    def texts(self, name: str, value: Any) -> Tuple[str, ...]:
        self.check(name, value)
        return tuple(str(item) for item in value)


class TimestampKind(ParamKind):
    """A timezone-aware ``datetime`` or an ISO 8601 date-time string with a zone, sent as ISO 8601."""

    __slots__ = ()

    def check(self, name: str, value: Any) -> None:
        self.parse(name, value)

    def texts(self, name: str, value: Any) -> Tuple[str, ...]:
        text = self.parse(name, value).isoformat()
        return (text[:-6] + "Z" if text.endswith("+00:00") else text,)

    def parse(self, name: str, value: Any) -> datetime:
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:  # fromisoformat reads "Z" only from Python 3.11
                parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
            except ValueError:
                raise self.value_error(name, value) from None
        else:
            raise self.type_error(name, value)
        # Without a zone the instant is ambiguous (local time or UTC?): refused rather than guessed.
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise self.value_error(name, value, " (e.g. datetime.now(timezone.utc) or '2024-05-01T12:00:00Z')")
        return parsed


NonNegativeInt = ParamKind(int, "a non-negative int", minimum=0)
Flag = ParamKind(bool, "a bool")
PositiveIntList = ListKind(list, "a non-empty list of positive ints", item=PositiveInt)
TimestampParam = TimestampKind(datetime, "a timezone-aware datetime or an ISO 8601 date-time string with a zone")
NonEmptyStr = ParamKind(str, "a non-empty str", allow_empty=False)
# Any text stays one path segment once percent-encoded, except the dot segments, which URL
# normalisation would resolve into another path.
PathSegmentStr = ParamKind(str, "a non-empty str other than '.' or '..'", allow_empty=False, refused=(".", ".."))


class PathParam:
    __slots__ = ("name", "kind")

    def __init__(self, name: str, kind: ParamKind = PositiveInt) -> None:
        self.name = name
        self.kind = kind


class QueryParam:
    __slots__ = ("name", "kind", "required")

    def __init__(self, name: str, kind: ParamKind = PositiveInt, required: bool = False) -> None:
        self.name = name
        self.kind = kind
        self.required = required


class BodyParam:
    __slots__ = ("name", "required", "_model")

    def __init__(self, name: str, model: ModelRef, required: bool = False) -> None:
        self.name = name
        self._model: Any = model
        self.required = required

    @property
    def model(self) -> Type[BaseModel]:
        """The body's model, imported on first use."""
        model = self._model
        if type(model) is str:
            model = self._model = _model(model)
        return model  # type: ignore[no-any-return]


class Endpoint(Generic[T]):
    """One operation: method, path template, parameters, and what each response decodes into.

    ``returns`` is the model of every 2xx response; ``error_model`` (or ``error_models`` by status)
    is what the body of an error response is decoded into for the exception's ``.data``. Each model may be
    given as a :data:`ModelRef` string, imported when first used.
    ``auth`` lists the schemes the operation accepts, any one of which is enough, in order of preference.
    ``accept`` is the media types it responds with, sent as ``Accept``; ``idempotent`` says whether
    sending the request twice has the effect of sending it once, which decides what may be retried;
    ``settle`` makes the strategy that settles a lost answer to it (when settling is on; ``settles`` says whether
    there is one), made and imported when a lost answer is first settled.
    """

    # (Plain slots read through properties, not a __getattr__: the interpreter's fast attribute reads stay on for
    # the attributes every call reads.)
    __slots__ = (
        "operation_id", "method", "path", "path_params", "query_params", "body", "auth", "accept", "idempotent",
        "settles", "_returns", "_error_model", "_error_models", "_settle", "_strategy", "_path_head", "_path_rest",
    )  # fmt: skip

    def __init__(
        self,
        operation_id: str,
        method: str,
        path: str,
        returns: Optional[ModelRef],
        path_params: Tuple[PathParam, ...] = (),
        query_params: Tuple[QueryParam, ...] = (),
        body: Optional[BodyParam] = None,
        error_model: Optional[ModelRef] = None,
        error_models: Optional[Mapping[int, ModelRef]] = None,
        auth: Tuple[str, ...] = (),
        accept: str = "application/json",
        idempotent: Optional[bool] = None,
        settle: Optional[Callable[[], Any]] = None,
    ) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self._returns: Any = returns
        self._error_model: Any = error_model
        self._error_models: Mapping[int, Any] = error_models or {}
        self.path_params = path_params
        self.query_params = query_params
        self.body = body
        self.auth = auth
        self.accept = accept
        self.idempotent = idempotent
        #: whether a lost answer to it can be settled (by the strategy ``settle``, of ``_settle.py``)
        self.settles = settle is not None
        self._settle = settle
        self._strategy: Any = None
        # The template cut at its parameters: "/v1.0/credentials/" then (credential_id, "/redeem"), ...
        head, *rest = path.split("{")
        by_name = {param.name: param for param in path_params}
        self._path_head = head
        self._path_rest = tuple((by_name[piece.partition("}")[0]], piece.partition("}")[2]) for piece in rest)
        if len(self._path_rest) != len(path_params):
            raise ValueError(f"{operation_id}: the path {path!r} and its parameters do not match")

    def __repr__(self) -> str:
        return f"Endpoint({self.operation_id!r}, {self.method} {self.path})"

    @property
    def returns(self) -> Optional[Type[T]]:
        """The model of every 2xx response (``None``: it has no body), imported on first use."""
        model = self._returns
        if type(model) is str:
            model = self._returns = _model(model)
        return model  # type: ignore[no-any-return]

    @property
    def error_model(self) -> Optional[Type[BaseModel]]:
        model = self._error_model
        if type(model) is str:
            model = self._error_model = _model(model)
        return model  # type: ignore[no-any-return]

    @property
    def error_models(self) -> Mapping[int, Type[BaseModel]]:
        models = self._error_models
        if any(type(model) is str for model in models.values()):
            models = self._error_models = {status: _model(model) for status, model in models.items()}
        return models

    @property
    def settle(self) -> Any:
        """The strategy (of ``_settle.py``) that settles a lost answer, made on first use; ``None``: none does."""
        strategy = self._strategy
        if strategy is None and self._settle is not None:
            strategy = self._strategy = self._settle()
        return strategy

    @property
    def retry_safe(self) -> bool:
        return self.method in IDEMPOTENT_METHODS if self.idempotent is None else self.idempotent

    def error_model_for(self, status: int) -> Optional[Type[BaseModel]]:
        return self.error_models.get(status, self.error_model)

    def render_path(self, args: Mapping[str, Any]) -> str:
        """The path with each parameter checked and percent-encoded as one segment."""
        path = self._path_head
        for param, after in self._path_rest:
            value = args.get(param.name)
            if value is None:
                raise ApiValueError(f"Missing the required parameter '{param.name}' when calling {self.operation_id}")
            kind = param.kind
            floor = kind.int_floor
            if floor is not None and type(value) is int and value >= floor:
                path += str(value) + after  # the usual id, checked here: digits only, nothing to percent-encode
                continue
            kind.check(param.name, value)
            path += (str(value) if type(value) is int else quote(str(value), safe="")) + after
        return path

    def render_query(self, args: Mapping[str, Any]) -> Tuple[Tuple[str, str], ...]:
        pairs: List[Tuple[str, str]] = []
        for param in self.query_params:
            value = args.get(param.name)
            if value is None:
                if param.required:
                    raise ApiValueError(
                        f"Missing the required parameter '{param.name}' when calling {self.operation_id}"
                    )
                continue
            pairs.extend((param.name, text) for text in param.kind.texts(param.name, value))
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
                hint = _wrapper_hint(spec.model, value)
                raise ApiValueError(f"Invalid value for parameter '{spec.name}': {problem}{hint}") from None
        wrapped = next((f for f in _nested_models(spec.model) if isinstance(value, f[1])), None)
        hint = f"; wrap it: {spec.model.__name__}({wrapped[0]}=...)" if wrapped else ""
        raise ApiTypeError(
            f"Invalid type for parameter '{spec.name}': expected {spec.model.__name__} or dict, "
            f"got {type(value).__name__}{hint}"
        )


def _nested_models(model: Type[BaseModel]) -> Iterator[Tuple[str, Type[BaseModel]]]:
    """The fields of ``model`` that hold another model (``Optional`` or not), with that model."""
    for name, info in model.model_fields.items():
        for candidate in (info.annotation, *get_args(info.annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                yield name, candidate


def _wrapper_hint(model: Type[BaseModel], value: Mapping[str, Any]) -> str:
    """When a dict holds the fields of a model nested in ``model`` (a flat dict where the wrapper is
    expected), say how to wrap it."""
    for name, nested in _nested_models(model):
        known = set(nested.model_fields) | {f.alias for f in nested.model_fields.values() if f.alias}
        if value and set(value) <= known and not set(value) <= set(model.model_fields):
            return (
                f". These are the fields of {nested.__name__}: wrap them as {{'{name}': {{...}}}}, "
                f"or pass {model.__name__}({name}={nested.__name__}(...))"
            )
    return ""


def summarise_validation_error(exc: ValidationError) -> str:
    # Only locations and messages: pydantic's own text repeats the input, which may hold a secret.
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors())
