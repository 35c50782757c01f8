"""What every model shares: tolerant decoding, unset-aware encoding, the generated-style helpers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterator, Optional, Tuple, Type, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, SecretStr, SerializationInfo
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import Annotated

__all__ = ["SparkflyModel", "Timestamp", "Secret", "MASKED", "secret_values"]

ModelT = TypeVar("ModelT", bound="SparkflyModel")

# Tells serializers to write secret fields in clear; only the request encoder passes it.
REVEAL_SECRETS = {"reveal_secrets": True}
#: What a secret field shows instead of its value.
MASKED = "**********"


class SparkflyModel(BaseModel):
    """Base of every model.

    Unknown fields the server sends are kept: reachable as attributes and included by
    :meth:`to_dict`. Fields never set are left out of :meth:`to_dict` / :meth:`to_json`, so an
    empty request model is sent as ``{}``; a field set to ``None`` is sent as ``null``.

    Models compare equal when they are of the same class and hold the same values (secrets included).
    They are mutable, hence unhashable: key a set or dict by a field such as ``id`` instead.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        validate_assignment=True,
        protected_namespaces=(),
        # Validators are built on first use, not at import: a cold start builds only the models its calls
        # decode (get_credential: CredentialResponse with Credential inline), and pays nothing for the rest.
        defer_build=True,
    )

    def to_dict(self) -> Dict[str, Any]:
        """The set fields (and kept unknown ones) as JSON-ready Python values, by wire name."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self) -> str:
        """The JSON text :meth:`to_dict` describes."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)

    def to_str(self) -> str:
        """A readable multi-line rendering."""
        import pprint  # here, not at import: a cold start that never prints a model does not pay for it

        return pprint.pformat(self.to_dict())

    @classmethod
    def from_dict(cls: Type[ModelT], obj: Optional[Dict[str, Any]]) -> Optional[ModelT]:
        """Build from a dict of wire (or Python) names; ``None`` gives ``None``."""
        if obj is None:
            return None
        return cls.model_validate(obj)

    @classmethod
    def from_json(cls: Type[ModelT], json_str: Union[str, bytes]) -> Optional[ModelT]:
        """Build from JSON text; ``null`` gives ``None``."""
        if json_str.strip() in ("null", b"null"):
            return None
        return cls.model_validate_json(json_str)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SparkflyModel):
            return NotImplemented
        # Compared in clear: two models that differ only in a secret are not equal.
        return type(self) is type(other) and self._revealed() == other._revealed()

    def _revealed(self) -> Dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, context=REVEAL_SECRETS)

    # Equal by value and mutable, so unhashable, as pydantic models are: a hash by identity would make two
    # equal credentials two members of a set, and a hash by value would change as fields are assigned.
    __hash__ = None  # type: ignore[assignment]


def _parse_other_timestamp(value: Any) -> datetime:
    """Fallback for timestamps the fast ISO 8601 parser refused: naive ISO, RFC 822, and the like."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        from dateutil import parser as date_parser

        try:
            parsed = date_parser.parse(value)
        except (ValueError, OverflowError) as exc:
            raise PydanticCustomError("timestamp", "not a recognisable timestamp: {value}", {"value": value}) from exc
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        raise PydanticCustomError("timestamp", "a timestamp must be a string", {})
    # A timestamp with no zone is UTC: that is what the API documents.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


class _TimestampSchema:
    """Timezone-aware ``datetime``. ISO 8601 with a zone decodes in the compiled fast path; only
    values it refuses reach the Python fallback, so well-formed responses pay nothing extra."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [
                core_schema.datetime_schema(tz_constraint="aware"),
                core_schema.no_info_plain_validator_function(_parse_other_timestamp),
            ],
            mode="left_to_right",
            serialization=core_schema.plain_serializer_function_ser_schema(_isoformat, when_used="json-unless-none"),
        )


def _isoformat(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


Timestamp = Annotated[datetime, _TimestampSchema]


def _reveal_or_mask(value: SecretStr, info: SerializationInfo) -> str:
    context = info.context
    if isinstance(context, dict) and context.get("reveal_secrets"):
        return value.get_secret_value()
    return MASKED


class _SecretSchema:
    """``SecretStr`` written through :func:`_reveal_or_mask`. (What ``PlainSerializer`` would do, without
    importing ``pydantic.functional_serializers`` and its dataclasses into every cold start.)"""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = dict(handler(source))
        schema["serialization"] = core_schema.plain_serializer_function_ser_schema(
            _reveal_or_mask, info_arg=True, return_schema=core_schema.str_schema(), when_used="always"
        )
        return cast(core_schema.CoreSchema, schema)


#: A write-only string such as a password: held as ``SecretStr`` (``repr``/``str`` show ``**********``),
#: written as ``**********`` by ``to_dict()``/``to_json()``, and in clear only into a request body.
Secret = Annotated[SecretStr, _SecretSchema]


def secret_values(value: Any) -> Tuple[str, ...]:
    """The clear text of every secret field in a model, nested models and lists included."""
    return tuple(_walk_secrets(value))


def _walk_secrets(value: Any) -> Iterator[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_secrets(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk_secrets(item)
