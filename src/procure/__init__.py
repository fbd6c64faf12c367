"""procure: government purchase of community services, with oversight and risk flags."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root in a source checkout (migrations/, templates/ and fixtures/ live there).
REPO_DIR = PACKAGE_DIR.parent.parent
