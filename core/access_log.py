"""gunicorn's access line, cheap: one JSON object per request written with one system call.

gunicorn's own access logging builds a dict of every request header, response header and
environ variable, then formats it through the logging module (here, core.logging's JSON
formatter). For a static file that was a large part of the request. This logger builds only the
fields the line carries and writes the line to standard output in one `os.write`, which a pipe
keeps whole (a line is far shorter than PIPE_BUF), so lines from several workers never
interleave. Anything but `accesslog = "-"` falls back to gunicorn's own."""

import contextlib
import json
import os
import time

from gunicorn.glogging import Logger


def access_entry(status, method, path, query, sent, request_time, remote, request_id):
    """The access line's fields, named as core.logging's JSON lines name theirs."""
    now = time.time()
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        + f".{int(now % 1 * 1000):03d}Z",
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": f"{method} {path}{'?' + query if query else ''} {status}",
        "request_id": request_id,
        "remote": remote,
        "status": status,
        "bytes": sent,
        "ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
    }


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog != "-":
            return super().access(resp, req, environ, request_time)
        status = resp.status
        status = int(status.split(None, 1)[0]) if isinstance(status, str) else status
        request_id = next((v for k, v in resp.headers if k.lower() == "x-request-id"), "")
        entry = access_entry(
            status,
            environ.get("REQUEST_METHOD", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            getattr(resp, "sent", None),
            request_time,
            environ.get("REMOTE_ADDR", "-"),
            request_id,
        )
        with contextlib.suppress(OSError):  # a closed log pipe must not fail the request
            os.write(1, (json.dumps(entry) + "\n").encode())
