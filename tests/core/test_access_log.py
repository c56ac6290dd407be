"""The access line gunicorn writes under config.gunicorn: one JSON object per request, with
the request id the response carried, whole even when several workers write at once."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

APP = """
def application(environ, start_response):
    status = "404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK"
    rid = "rid-" + environ["PATH_INFO"].strip("/")
    start_response(status, [("Content-Type", "text/plain"), ("X-Request-ID", rid)])
    return [b"hello"]
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_each_request_is_one_json_line_with_its_request_id(tmp_path):
    (tmp_path / "tiny.py").write_text(APP)
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "tiny:application",
            "--config",
            "python:config.gunicorn",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=REPO,
        env={"PYTHONPATH": f"{tmp_path}:{REPO}", "PATH": str(BIN)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(port, "/warm")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn never answered"
                time.sleep(0.2)
        paths = [f"/p{i}?x={i}" for i in range(60)] + ["/missing"]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda p: get(port, p), paths))
        assert statuses.count(404) == 1
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    access = [json.loads(line) for line in out.decode().splitlines() if '"gunicorn.access"' in line]
    by_path = {e["message"].split()[1]: e for e in access}
    for i in range(60):
        entry = by_path[f"/p{i}?x={i}"]
        assert entry["status"] == 200
        assert entry["request_id"] == f"rid-p{i}"
        assert entry["bytes"] == 5
        assert entry["time"].endswith("Z")
    assert by_path["/missing"]["status"] == 404
    assert by_path["/missing"]["message"] == "GET /missing 404"
