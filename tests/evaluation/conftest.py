"""The emulator connection, bucket and role of the provider tests, shared rather
than re-coded (tests/conftest.py starts the emulator, one per module)."""

from tests.service.conftest import conn, seeded

__all__ = ["conn", "seeded"]
