"""The workspace's load test at a small size: simulated coders add and remove codings and read pages
on the real server at once; no request fails and no coding is lost (no time is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

from web_helpers import ROOT


def test_several_coders_at_once_lose_nothing():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "workspace_load.py"), "--coders", "4",
                           "--requests", "25", "--time-limit", "120"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, (result, done.stderr)
    assert result["errors"] == 0 and result["lost_codings"] == 0, result
    assert result["requests"] == 100 and result["added"] > 0
    assert result["final_codings"] == result["added"] - result["removed"]
    assert result["coding_ms_p95"] is not None
