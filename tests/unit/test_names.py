"""Derived resource names: short ones as they always were, long ones cut with a
digest of the whole name, so they stay distinct and keep the caller's digest."""

import re

import pytest

from common.names import MAX_NAME, bounded_name, fingerprint


def old_resource_name(*parts: str) -> str:
    # What names were before bounded_name: cut from the right at 63 characters.
    return re.sub(r"[^A-Za-z0-9_-]", "-", "-".join(parts))[:63]


@pytest.mark.parametrize(
    "parts, digest",
    [
        (("local", "personalized"), None),
        (("dev", "user-personalization"), "1a2b3c4d"),
        (("local", "popularity-baseline", "v1"), None),
        (("s", "e", "v 1.0"), "ffffffff"),
    ],
)
def test_short_names_are_what_earlier_versions_deployed(parts, digest):
    assert bounded_name(parts, digest) == old_resource_name(*parts, *([digest] if digest else []))


def test_long_names_sharing_a_prefix_stay_distinct_and_keep_their_digest():
    stack = "production-europe-west-online-retail-one"
    first, second = "ecommerce-recommendations-home", "ecommerce-recommendations-cart"
    settings = fingerprint("aws-user-personalization", None, {})
    names = [bounded_name([bounded_name([stack, e]), "interactions"], settings) for e in (first, second)]
    assert names[0] != names[1]
    assert all(len(n) <= MAX_NAME and n.endswith(f"-{settings}") for n in names)
    # The cut did happen, and the old rule would have made the two the same name.
    assert old_resource_name(stack, first, "interactions", settings) == old_resource_name(
        stack, second, "interactions", settings
    )


def test_a_digest_that_cannot_fit_is_an_error():
    with pytest.raises(ValueError, match="cannot fit"):
        bounded_name(["a"], "d" * 70)
