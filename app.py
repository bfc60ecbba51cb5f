"""Run the web app: `python app.py` (the same as `mgqa serve`).

Loads the index named by MGQA_INDEX_DIR (default: index/), serves on 127.0.0.1:7860 unless MGQA_HOST /
MGQA_PORT say otherwise. Set MGQA_ADMIN_PASSWORD to allow uploads and rebuilds from the page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src"))  # runs from a checkout without `pip install`

from mgqa.errors import MgqaError  # noqa: E402
from mgqa.ui import serve  # noqa: E402

if __name__ == "__main__":
    os.chdir(HERE)  # the default index/ and seeds/ are the project's, wherever this is started from
    try:
        serve()
    except MgqaError as err:  # a missing index or a bad setting: one line saying what to do
        sys.exit(f"mgqa: {err}")
