"""``coding serve`` as a user starts it: the real server in a subprocess on a free port."""

from __future__ import annotations

import json
import re
import signal
import urllib.error

from web_helpers import HOSTILE_NAME, Server, get, sample_copy


def test_loopback_serves_without_a_token_and_ctrl_c_stops_it(tmp_path, tmp_path_factory):
    project = sample_copy(tmp_path, tmp_path_factory.getbasetemp() / "web-sample")
    server = Server(project, "--coder", "anna")
    try:
        assert f"http://127.0.0.1:{server.port}/" in server.output()
        assert "token" not in server.output()
        sources = json.loads(get(server.base + "/api/sources").read())
        assert HOSTILE_NAME in {s["name"] for s in sources} and len(sources) > 10
        assert json.loads(get(server.base + "/api/session").read()) == {"coder": "anna"}
        server.proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.proc.wait(timeout=30) == 0
        assert "Traceback" not in server.output()
    finally:
        server.stop()


def test_a_non_loopback_host_prints_a_token_and_requires_it(tmp_path, tmp_path_factory):
    project = sample_copy(tmp_path, tmp_path_factory.getbasetemp() / "web-sample")
    server = Server(project, host="0.0.0.0")
    try:
        token = re.search(r"token: (\S+)", server.output()).group(1)
        assert f"?token={token}" in server.output()
        try:
            get(server.base + "/api/sources")
            raise AssertionError("served without a token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
            assert "token" in json.loads(exc.read())["error"]
        ok = get(server.base + "/api/sources", headers={"Authorization": f"Bearer {token}"})
        assert ok.status == 200
        page = get(server.base + f"/sources?token={token}")
        assert page.status == 200 and "coding_token=" in page.headers["set-cookie"]
    finally:
        server.stop()
