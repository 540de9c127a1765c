"""The JSON Schema of `Pulumi.<stack>.yaml`, generated from the config model so
an editor completes and checks the `personalize:` keys
(`# yaml-language-server: $schema=schema/stack-config.schema.json`).

python -m stacks.schema          writes it
python -m stacks.schema --check  fails when the checked-in file is stale (CI)"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stacks.config import NAMESPACES, json_schema

PATH = Path(__file__).resolve().parents[1] / "schema" / "stack-config.schema.json"


def stack_file_schema() -> dict[str, Any]:
    config = json_schema()
    keys = {f"personalize:{name}": prop for name, prop in config["properties"].items()}
    others: dict[str, Any] = {f"^({'|'.join(n for n in NAMESPACES if n != 'personalize')}):": {}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Pulumi.<stack>.yaml of the personalize project",
        "description": "Generated from stacks/config.py by python -m stacks.schema; do not edit.",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": keys,
                "patternProperties": others,
                "required": [f"personalize:{k}" for k in config.get("required", [])],
                "additionalProperties": False,
            },
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "environment": {},
        },
        "$defs": config.get("$defs", {}),
    }


def text() -> str:
    return json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the checked-in schema is stale")
    args = parser.parse_args(argv)
    if args.check:
        if not PATH.exists() or PATH.read_text() != text():
            print(
                f"{PATH.relative_to(PATH.parents[1])} is stale: run python -m stacks.schema and commit it",
                file=sys.stderr,
            )
            return 1
        return 0
    PATH.write_text(text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
