"""Each model's page (docs/<Model>.md) lists every field with the type the model declares."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any, Dict, Set, Tuple

import pytest
import typing_extensions

import sparkfly_client.models

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)")
ROW = re.compile(r"^\*\*(\w+)\*\* \| (.*?) \|", re.M)
# docs/Credential.md and docs/CredentialInput.md are being rewritten elsewhere with new fields; their
# `annotations` rows say Dict[str, str] while the models take an object of any values, or a string.
PENDING: Set[Tuple[str, str]] = set()


def shown(annotation: Any) -> str:
    """A type as the pages write it: ``Optional`` dropped, a ``Literal`` by the type of its values (the
    description lists them), secrets and timestamps by what they hold."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return shown(args[0])
    if origin is typing.Union:
        present = [shown(arg) for arg in args if arg is not type(None)]
        return present[0] if len(present) == 1 else f"Union[{', '.join(present)}]"
    if origin is list:
        return f"List[{shown(args[0])}]"
    if origin is dict:
        return f"Dict[{shown(args[0])}, {shown(args[1])}]"
    if origin in (typing.Literal, typing_extensions.Literal):  # typing_extensions has its own before 3.10.1
        return type(args[0]).__name__
    return "Any" if annotation is Any else str(annotation.__name__)


def documented(name: str) -> Dict[str, str]:
    """Field name (wire or Python) -> the type its row shows, links and bold removed."""
    rows = ROW.findall((ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8"))
    result = {}
    for field, written in rows:
        while LINK.search(written):
            written = LINK.sub(r"\1", written)
        result[field] = written.replace("**", "").strip()
    return result


@pytest.mark.parametrize("name", sparkfly_client.models.__all__)
def test_every_field_is_documented_with_its_type(name: str) -> None:
    model = getattr(sparkfly_client.models, name)
    rows = documented(name)
    for field, info in model.model_fields.items():
        wire = info.alias or field
        assert field in rows or wire in rows, f"docs/{name}.md has no row for {wire}"
        if (name, field) in PENDING:
            continue
        assert rows.get(wire, rows.get(field)) == shown(info.annotation), f"docs/{name}.md: {wire}"
    declared = {field for field in model.model_fields} | {info.alias for info in model.model_fields.values()}
    assert set(rows) <= declared, f"docs/{name}.md documents fields the model does not have"
