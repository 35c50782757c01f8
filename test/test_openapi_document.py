"""The OpenAPI document describes exactly what the SDK speaks."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Dict, List

import pytest

from sparkfly_client._endpoint import Endpoint
from sparkfly_client.api import API_MODULES
from sparkfly_client.models import MODEL_MODULES

yaml = pytest.importorskip("yaml")

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "sparkfly-credentials.yaml"


@pytest.fixture(scope="module")
def document() -> Dict[str, Any]:
    with DOCUMENT.open(encoding="utf-8") as handle:
        loaded: Dict[str, Any] = yaml.safe_load(handle)
    return loaded


def test_document_is_valid_openapi_3(document: Dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
    assert document["openapi"].startswith("3.0")


def _sdk_endpoints() -> List[Endpoint[Any]]:
    modules = [importlib.import_module(path) for path in set(API_MODULES.values())]
    return [value for module in modules for value in vars(module).values() if isinstance(value, Endpoint)]


def test_every_sdk_endpoint_is_described(document: Dict[str, Any]) -> None:
    endpoints = _sdk_endpoints()
    assert len([e for e in endpoints if e.path.startswith("/v1.0/credentials")]) == 8
    for endpoint in endpoints:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert operation["operationId"] == endpoint.operation_id
        declared = {p["name"] for p in operation.get("parameters", [])}
        declared |= {p["$ref"].rsplit("/", 1)[-1] for p in document["paths"][endpoint.path].get("parameters", [])}
        for param in endpoint.query_params:
            assert param.name in declared, (endpoint.operation_id, param.name)


def test_auth_and_upsert_resource_are_described(document: Dict[str, Any]) -> None:
    auth = document["paths"]["/auth"]["get"]
    assert {p["name"] for p in auth["parameters"]} == {"X-Auth-Identity", "X-Auth-Key"}
    assert "X-Auth-Token" in auth["responses"]["204"]["headers"]
    upsert = document["paths"]["/credentials/{id}"]["put"]
    assert upsert["security"] == [{"SecretApiKey": []}, {"JWT": []}]
    assert {"200", "201", "401", "403", "404", "422", "429"} <= set(upsert["responses"])


def test_security_schemes(document: Dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    token = schemes["X-Auth-Token"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "X-Auth-Token")
    assert schemes["SecretApiKey"]["name"] == "REB-APIKEY"
    assert (schemes["JWT"]["type"], schemes["JWT"]["scheme"]) == ("http", "bearer")


# Declared on the model only so that a server echoing it would still have it masked; never sent back.
_MODEL_ONLY_FIELDS = {"CustomerCredential": {"password"}}


@pytest.mark.parametrize("name", sorted(MODEL_MODULES))
def test_every_model_has_a_schema_with_its_fields(document: Dict[str, Any], name: str) -> None:
    model = importlib.import_module(MODEL_MODULES[name]).__dict__[name]
    schema = document["components"]["schemas"][name]
    parts = schema.get("allOf", [schema])
    properties = {prop for part in parts for prop in part.get("properties", {})}
    properties |= {
        prop
        for part in parts
        if "$ref" in part
        for prop in document["components"]["schemas"][part["$ref"].rsplit("/", 1)[-1]]["properties"]
    }
    wire_names = {field.alias or field_name for field_name, field in model.model_fields.items()}
    assert wire_names - _MODEL_ONLY_FIELDS.get(name, set()) <= properties


def test_real_world_credential_fields(document: Dict[str, Any]) -> None:
    credential = document["components"]["schemas"]["Credential"]["properties"]
    for name in ("status", "offer_id", "redeemed_at", "voided_at"):
        assert credential[name]["nullable"] is True
    assert credential["annotations"]["type"] == "object"


def test_links_from_create_name_real_operations(document: Dict[str, Any]) -> None:
    operation_ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    create = document["paths"]["/v1.0/credentials"]["post"]["responses"]["201"]
    links = [document["components"]["links"][link["$ref"].rsplit("/", 1)[-1]] for link in create["links"].values()]
    assert {link["operationId"] for link in links} == {
        "get_credential",
        "update_credential",
        "redeem_credential",
        "void_credential",
        "delete_credential",
    }
    assert {link["operationId"] for link in links} <= operation_ids
    assert all(link["parameters"] == {"credential_id": "$response.body#/credential/id"} for link in links)
