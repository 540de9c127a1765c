import sys
from pathlib import Path

# The program's packages (providers, stacks) are imported from the repo root,
# as the Pulumi language host does when it runs __main__.py.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
