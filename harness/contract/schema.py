"""Validation of reports against the shipped JSON Schema, with the standard library only.

Reports are validated when written, inside environments that have no ``jsonschema`` (Python
3.7 with TF 1.14), so this implements exactly the subset of JSON Schema draft 7 that
``schemas/report.schema.json`` uses: ``type``, ``enum``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``anyOf``, ``minimum`` and local ``$ref``. The test
suite checks that it agrees with the reference ``jsonschema`` implementation, and the loader
refuses a schema keyword it does not know rather than ignoring it.
"""

import functools
import json
import os
from typing import Any, Dict, List

REPORT_SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "schemas", "report.schema.json")
COMPARISON_SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "schemas", "comparison.schema.json")
BISECTION_SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "schemas", "bisection.schema.json")
_ANNOTATIONS = {"$schema", "$id", "title", "description", "definitions"}
_KEYWORDS = {"type", "enum", "properties", "required", "additionalProperties", "items", "anyOf", "minimum", "$ref"}
_TYPES = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


@functools.lru_cache(maxsize=None)
def load_schema(path: str) -> Dict[str, Any]:
    """The schema at ``path``, read once per process (callers must not change it)."""
    with open(path, encoding="utf-8") as stream:
        schema = json.load(stream)
    _refuse_unknown_keywords(schema, "#")
    return schema


def _refuse_unknown_keywords(node: Any, where: str) -> None:
    if not isinstance(node, dict):
        return
    unknown = set(node) - _KEYWORDS - _ANNOTATIONS
    if unknown:
        raise ValueError("schema keyword(s) {} at {} are not supported by harness.schema".format(sorted(unknown), where))
    for key, value in node.items():
        if key in ("properties", "definitions"):
            for name, child in value.items():
                _refuse_unknown_keywords(child, "{}/{}/{}".format(where, key, name))
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            _refuse_unknown_keywords(value, "{}/{}".format(where, key))
        elif key == "anyOf":
            for index, child in enumerate(value):
                _refuse_unknown_keywords(child, "{}/anyOf/{}".format(where, index))


class _Validator(object):
    def __init__(self, root: Dict[str, Any]) -> None:
        self.root = root
        self.errors = []  # type: List[str]

    def resolve(self, reference: str) -> Dict[str, Any]:
        node = self.root
        for part in reference.lstrip("#/").split("/"):
            node = node[part]
        return node

    def valid(self, value: Any, schema: Dict[str, Any]) -> bool:
        """Whether ``value`` matches, without recording errors (for ``anyOf`` branches)."""
        saved, self.errors = self.errors, []
        self.check(value, schema, "")
        ok = not self.errors
        self.errors = saved
        return ok

    def check(self, value: Any, schema: Dict[str, Any], path: str) -> None:
        where = path or "(top level)"
        if "$ref" in schema:
            self.check(value, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[name](value) for name in types):
                self.errors.append("{}: expected {}, got {}".format(where, " or ".join(types), _kind(value)))
                return
        if "enum" in schema and value not in schema["enum"]:
            self.errors.append("{}: expected one of {}, got {!r}".format(where, schema["enum"], value))
        if "minimum" in schema and _TYPES["number"](value) and value < schema["minimum"]:
            self.errors.append("{}: expected at least {}, got {!r}".format(where, schema["minimum"], value))
        if "anyOf" in schema and not any(self.valid(value, option) for option in schema["anyOf"]):
            self.errors.append("{}: {!r} matches none of the allowed forms".format(where, _short(value)))
        if isinstance(value, dict):
            self._check_object(value, schema, path)
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self.check(item, schema["items"], "{}[{}]".format(path, index))

    def _check_object(self, value: Dict[str, Any], schema: Dict[str, Any], path: str) -> None:
        where = path or "(top level)"
        for name in schema.get("required", []):
            if name not in value:
                self.errors.append("{}: missing required field '{}'".format(where, name))
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            child = "{}.{}".format(path, name) if path else name
            if name in properties:
                self.check(item, properties[name], child)
            elif extra is False:
                self.errors.append("{}: unknown field '{}'".format(where, name))
            elif isinstance(extra, dict):
                self.check(item, extra, child)


def _kind(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _short(value: Any) -> Any:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_errors(document: Any, schema: Dict[str, Any]) -> List[str]:
    """Every way ``document`` breaks ``schema``, as readable paths (empty when valid)."""
    validator = _Validator(schema)
    validator.check(document, schema, "")
    return validator.errors
