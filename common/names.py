"""Every derived resource name is built here.

Personalize names allow 63 characters of [A-Za-z0-9_-]. A name that is too
long is cut, but never blindly from the right: the cut name ends with a digest
of the whole name (and keeps the caller's own digest, e.g. the fingerprint of
the settings that force a replacement), so two long names that share a prefix
stay distinct and a settings change still changes the name."""

import hashlib
import json
import re
from typing import Any

MAX_NAME = 63
# A dataset version names a folder of the bucket and parts of resource names:
# the rule data preparation exports by and the stack config refers by.
DATASET_VERSION_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"
DATASET_VERSION_ALLOWED = (
    "the name of an exported dataset version: letters, digits, '.', '_' or '-', starting with a letter or digit, "
    "at most 40 characters"
)
DIGEST_LENGTH = 8
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def digest(*values: Any, length: int = DIGEST_LENGTH) -> str:
    """A short, stable digest of JSON-able values (the same on every machine, unlike hash())."""
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:length]


def fingerprint(*settings: Any) -> str:
    """The digest of the settings that force a replacement.

    Naming a resource by it lets the engine create the replacement before it
    deletes the old one: the service refuses to delete a solution while a
    campaign serves one of its versions, or a schema while a dataset uses it."""
    return digest(*settings)


def bounded_name(parts: tuple[str, ...] | list[str], digest_part: str | None = None, limit: int = MAX_NAME) -> str:
    """`parts` joined by '-', then `digest_part`, within `limit` characters.

    Short names are exactly the parts joined (names deployed before this
    function existed keep theirs). A long one keeps as much of the parts as
    fits, then a digest of the whole uncut name, then `digest_part`."""
    whole = _NOT_ALLOWED.sub("-", "-".join(parts))
    suffix = f"-{_NOT_ALLOWED.sub('-', digest_part)}" if digest_part else ""
    if len(whole) + len(suffix) <= limit:
        return whole + suffix
    kept_suffix = f"-{digest(whole + suffix)}{suffix}"
    if len(kept_suffix) >= limit:
        raise ValueError(f"a name cannot fit in {limit} characters with the digest {digest_part!r}")
    head = whole[: limit - len(kept_suffix)].rstrip("-_")
    return head + kept_suffix


# The completion signal's Lambda (stacks/completion.py), named after the stack so the deploy
# policy (stacks/ci_policies.py) can scope its grants to it.
COMPLETION_FUNCTION_SUFFIX = "-completion"


def completion_function_name(stack: str) -> str:
    """A Lambda name: letters, digits, hyphens and underscores, at most 64 characters
    (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html); a stack's name may
    also have periods."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", stack)[: 64 - len(COMPLETION_FUNCTION_SUFFIX)] + COMPLETION_FUNCTION_SUFFIX
