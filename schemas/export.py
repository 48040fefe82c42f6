"""Export the Records of schemas.records to JSON Schema 2020-12 files.

    python -m schemas.export           # rewrite schemas/*.schema.json
    python -m schemas.export --check   # exit 1 when a committed file is stale
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import faust

from schemas.records import CONSTRAINTS, EXPORTS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
HERE = Path(__file__).resolve().parent
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _is_record(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, faust.Record)


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and type(None) in args:
            sub = _type_schema(inner[0], defs)
            if "type" in sub:
                return {**sub, "type": [sub["type"], "null"]}
            return {"anyOf": [sub, {"type": "null"}]}
        return {"anyOf": [_type_schema(a, defs) for a in args]}
    if origin in (list, tuple, typing.List, typing.Sequence):  # noqa: UP006
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin in (dict, typing.Dict, typing.Mapping):  # noqa: UP006
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if _is_record(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # reserve the name before recursing
            defs[name] = _record_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _record_schema(record: type[faust.Record], defs: dict[str, Any]) -> dict[str, Any]:
    extra = CONSTRAINTS.get(record.__name__, {})
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, field in record._options.descriptors.items():
        key = field.output_name
        prop = _type_schema(record._options.fields[name], defs)
        if not field.required:
            default = record._options.defaults.get(name)
            if default is None or isinstance(default, str | int | float | bool):
                prop["default"] = default
        else:
            required.append(key)
        prop.update(extra.get(key, {}))
        props[key] = prop
    schema: dict[str, Any] = {"type": "object"}
    doc = record.__dict__.get("__doc__")
    if doc:
        schema["description"] = " ".join(doc.split())
    schema["properties"] = props
    schema["required"] = required
    schema.update(extra.get(None, {}))
    return schema


def export(record: type[faust.Record], stem: str) -> dict[str, Any]:
    """The JSON Schema document of one top-level record."""
    defs: dict[str, Any] = {}
    body = _record_schema(record, defs)
    namespace = record._options.namespace
    doc: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:claimwatch:schema:{stem}",
        "title": namespace,
        **body,
    }
    if defs:
        doc["$defs"] = dict(sorted(defs.items()))
    return doc


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def exported() -> dict[str, str]:
    """File name -> text for every exported record."""
    return {f"{stem}.schema.json": render(export(rec, stem)) for stem, rec in EXPORTS.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when a committed file differs")
    parser.add_argument("--dir", type=Path, default=HERE, help="output directory")
    args = parser.parse_args(argv)
    stale = []
    for name, text in exported().items():
        path = args.dir / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"stale schema files: {', '.join(stale)}; run python -m schemas.export",
              file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
