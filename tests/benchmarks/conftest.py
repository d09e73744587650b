"""The benchmark harness (``bench/``, docs/performance.md) lives beside ``src/``: these tests
import it from the project root. They check its parsing and verdicts, never a timing."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
