"""The committed index/ must match seeds/: the app ships it and loads it as it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter so the check can prove it loads no model (other tests in this session may have).
CHECK = """
import json, sys
from pathlib import Path
sys.path.insert(0, {src!r})
from mgqa.build import is_fresh
from mgqa.settings import Settings
fresh = is_fresh(Settings(docs_dir=Path({seeds!r}), index_dir=Path({index!r})))
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print(json.dumps({{"fresh": fresh, "heavy": heavy}}))
"""


def test_the_committed_index_is_fresh_against_the_seeds():
    script = CHECK.format(src=str(ROOT / "src"), seeds=str(ROOT / "seeds"), index=str(ROOT / "index"))
    # no MGQA_* variables: the committed index is built with the default settings
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["heavy"] == [], f"checking freshness loaded {outcome['heavy']}"
    assert outcome["fresh"], ("index/ is missing or stale against seeds/ (or the model or chunk settings changed): "
                              "run `mgqa build` and commit index/")
