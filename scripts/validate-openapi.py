#!/usr/bin/env python3
"""Check recorded HTTP exchanges against docs/openapi.yaml.

Usage: validate-openapi.py OPENAPI.yaml EXCHANGES.jsonl

EXCHANGES.jsonl holds one exchange per line, as the conformance suite writes with
RTS_HTTP_LOG: {"method","path","status","content_type","body"}. Each must match a documented
path and method, its status must be documented for that operation, and its body must match
the response's schema (JSON Schema 2020-12, as OpenAPI 3.1 uses), or be empty when the
response has no content. Every documented operation must have been answered with a 2xx at
least once, so the file and the tests cannot drift apart silently.

Prints counts per operation and up to 20 failures; exits 1 on any failure. Needs `jsonschema`
(4.18+) and `PyYAML`.
"""
import collections
import json
import re
import sys

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

MAX_SHOWN = 20
DOC_URI = "urn:rts:openapi"
METHODS = ("get", "post", "put", "patch", "delete")
# The token is checked before the path and method: an unauthorised request learns nothing of the routes.
AUTH_FIRST = ("401", "403", "429")


def pointer(*parts):
    return "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def main() -> int:
    spec_path, log_path = sys.argv[1:3]
    with open(spec_path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    registry = Registry().with_resource(DOC_URI, Resource(contents=spec, specification=DRAFT202012))
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)

    def resolve(node):
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/responses/"):
            node = spec["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
        return node

    routes = []  # (regex, template)
    for template in spec["paths"]:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "^" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "$"
        routes.append((re.compile(regex), template))

    exercised = collections.Counter()
    failures = []
    checked = 0
    with open(log_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            checked += 1
            entry = json.loads(line)
            method, path, status = entry["method"].lower(), entry["path"].split("?", 1)[0], str(entry["status"])
            where = f"line {number}: {entry['method']} {entry['path']} → {status}"
            template = next((t for regex, t in routes if regex.match(path)), None)
            if template is None:
                # An unknown path is answered 404 with the shared error body (or, as the token is
                # checked first, whatever the token gets).
                if status not in ("404",) + AUTH_FIRST:
                    failures.append(f"{where}: path not in the OpenAPI file, answered {status}")
                else:
                    error = best_match(Draft202012Validator(
                        {"$ref": DOC_URI + pointer("components", "schemas", "Error")}, registry=registry).iter_errors(json.loads(entry["body"] or "null")))
                    if error is not None:
                        failures.append(f"{where}: {error.json_path}: {error.message}"[:300])
                continue
            operation = spec["paths"][template].get(method)
            if operation is None:
                # A method the path does not serve must be answered 405, or 404 when a segment is not a
                # valid id (so no route matches), or what the token gets.
                if status not in ("405", "404") + AUTH_FIRST:
                    failures.append(f"{where}: undocumented method answered {status}, not 405")
                continue
            response = resolve(operation["responses"].get(status) or operation["responses"].get("default"))
            if response is None:
                failures.append(f"{where}: status {status} not documented for {method.upper()} {template}")
                continue
            if status.startswith("2"):
                exercised[f"{method.upper()} {template}"] += 1
            content = response.get("content")
            if not content:
                if entry["body"]:
                    failures.append(f"{where}: documented without a body, got {entry['body'][:80]!r}")
                continue
            if not (entry.get("content_type") or "").startswith("application/json"):
                failures.append(f"{where}: content type {entry.get('content_type')!r}, not application/json")
                continue
            try:
                body = json.loads(entry["body"])
            except json.JSONDecodeError as error:
                failures.append(f"{where}: body is not JSON: {error}")
                continue
            ref = {"$ref": DOC_URI + pointer("paths", template, method, "responses", status, "content", "application/json", "schema")}
            if "$ref" in operation["responses"].get(status, {}):
                name = operation["responses"][status]["$ref"].rsplit("/", 1)[1]
                ref = {"$ref": DOC_URI + pointer("components", "responses", name, "content", "application/json", "schema")}
            error = best_match(Draft202012Validator(ref, registry=registry).iter_errors(body))
            if error is not None:
                failures.append(f"{where}: {error.json_path}: {error.message}"[:300])

    documented = [f"{m.upper()} {t}" for t, item in spec["paths"].items() for m in METHODS if m in item]
    for operation in documented:
        print(f"  {exercised[operation]:5d}  {operation}")
        if exercised[operation] == 0:
            failures.append(f"{operation}: documented but never answered with 2xx by the tests")
    print(f"{checked} exchanges checked against {spec_path}: {len(failures)} failures")
    for failure in failures[:MAX_SHOWN]:
        print("  " + failure)
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
