"""Where things are, for the tests."""

from pathlib import Path

# The repo root: the program's packages (providers, stacks, ...) are imported
# from here, as the Pulumi language host does when it runs __main__.py.
ROOT = Path(__file__).resolve().parents[2]
