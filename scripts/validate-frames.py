#!/usr/bin/env python3
"""Validate wire-protocol frames against the JSON Schemas in docs/schema.

Usage: validate-frames.py SCHEMA_DIR FRAMES.jsonl [--direction server|client]

FRAMES.jsonl holds one frame (raw JSON text) per line; blank lines are skipped. Each frame
is checked against SCHEMA_DIR/<direction>/<type>.json (direction defaults to server). A line
that is not a JSON object, has no known `type`, or breaks its schema is a failure. Every
schema file under SCHEMA_DIR is loaded into a `referencing.Registry` by its `$id`, so the
relative `../common.json#/$defs/...` refs resolve offline (nothing is fetched).

Prints the number of frames checked, counts per type and up to 20 failures. Exits 1 when
any frame fails or the file holds no frames, else 0. Needs the `jsonschema` package (4.18+).
"""
import argparse
import collections
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

MAX_SHOWN = 20


def load_validators(schema_dir: pathlib.Path, direction: str) -> dict:
    """One validator per frame type, from every schema file under schema_dir."""
    schemas = {path: json.loads(path.read_text(encoding="utf-8")) for path in sorted(schema_dir.rglob("*.json"))}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values())
    validators = {}
    for path, schema in schemas.items():
        Draft202012Validator.check_schema(schema)  # raises SchemaError on a broken schema file
        if path.parent == schema_dir / direction:
            validators[path.stem] = Draft202012Validator(schema, registry=registry)
    if not validators:
        sys.exit(f"no schemas found in {schema_dir / direction}")
    return validators


def check(line: str, validators: dict):
    """(type, error message or None) for one line."""
    try:
        frame = json.loads(line)
    except json.JSONDecodeError as error:
        return "(not JSON)", f"invalid JSON: {error}"
    if not isinstance(frame, dict):
        return "(not an object)", "frame is not a JSON object"
    kind = frame.get("type")
    if not isinstance(kind, str) or kind not in validators:
        return str(kind), f"unknown or missing type: {kind!r}"
    error = best_match(validators[kind].iter_errors(frame))
    return kind, None if error is None else f"{error.json_path}: {error.message}"[:300]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema_dir", type=pathlib.Path)
    parser.add_argument("frames", type=pathlib.Path)
    parser.add_argument("--direction", choices=["server", "client"], default="server")
    args = parser.parse_args()

    validators = load_validators(args.schema_dir.resolve(), args.direction)
    checked = collections.Counter()
    failed = collections.Counter()
    failures = []
    with args.frames.open(encoding="utf-8") as frames:
        for number, line in enumerate(frames, 1):
            if not line.strip():
                continue
            kind, error = check(line, validators)
            checked[kind] += 1
            if error:
                failed[kind] += 1
                failures.append((number, line.strip(), error))

    total = sum(checked.values())
    print(f"{total} {args.direction} frame(s) checked, {len(failures)} failed")
    for kind in sorted(checked):
        print(f"  {kind:20} {checked[kind]:6} checked {failed[kind]:6} failed")
    for number, frame, error in failures[:MAX_SHOWN]:
        shown = frame if len(frame) <= 300 else frame[:297] + "..."
        print(f"\nline {number}: {error}\n  {shown}")
    if len(failures) > MAX_SHOWN:
        print(f"\n... and {len(failures) - MAX_SHOWN} more failure(s)")
    if total == 0:
        print("no frames to check: failing")
    return 1 if failures or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
