"""What a bench needs to book the way a person does, beyond _common: a visitor that keeps
cookies and submits a page's own form (its CSRF token, hidden fields, the boxes it requires
ticked), the real sign-in, an SMTP server that takes the emails the worker sends, the Celery
worker with production's queues, a wait until every queued task has run, and wrk for the
static file. Not a test."""

import html.parser
import http.client
import itertools
import re
import signal
import socketserver
import subprocess
import threading
import time
from urllib.parse import urlencode, urlsplit

import psycopg
import redis
from _common import BIN, HOST, REPO

ORIGIN = f"https://{HOST}"
QUEUES = ("celery", "emails", "pdfs", "payments")  # docker-compose.yml's worker


# --- a visitor: one person's browser -------------------------------------------------------------

_addresses = itertools.count(1)


class Visitor:
    """Cookies in, cookies out, a new connection per request (a sync gunicorn worker closes
    each one), the Origin and Referer a browser sends with a form."""

    def __init__(self, port, agent="booking-bench"):
        self.port = port
        self.agent = agent
        self.cookies = {}
        # Behind the load balancer (TRUSTED_PROXY_COUNT=1) each person has their own address,
        # so allauth's per-address limits see many people, not one.
        n = next(_addresses)
        self.address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def request(self, method, path, form=None, referer=None, timeout=30):
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Connection": "close",
            "User-Agent": self.agent,
            "Accept": "text/html",
            "X-Forwarded-For": self.address,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = ORIGIN
        if referer:
            headers["Referer"] = ORIGIN + referer
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    self._keep(value)
            return resp.status, resp.getheader("Location", ""), data
        finally:
            conn.close()

    def _keep(self, header):
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        gone = "max-age=0" in attributes.lower() or "1970" in attributes
        if gone:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()


class _Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                # Boxes the page requires (the terms) are ticked, as the person must.
                if "checked" in a or (kind == "checkbox" and "required" in a):
                    self._form["fields"].append((name, a.get("value") or "on"))
                return
            self._form["fields"].append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # As in a browser, a newline straight after <textarea> is not part of the value.
            if self._textarea[1].startswith("\n"):
                self._textarea[1] = self._textarea[1][1:]
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            value = s["chosen"] if s["chosen"] is not None else s["first"]
            self._form["fields"].append((s["name"], value or ""))
            self._select = None


def post_form(page, path=""):
    """The fields a browser submits from the page's own POST form: one with the CSRF token that
    posts back to the page (no action, or the page's own `path`), so the header's sign-out
    form is passed over. None when the page has none."""
    parser = _Forms()
    parser.feed(page.decode("utf-8", "replace"))
    for form in parser.forms:
        names = [f[0] for f in form["fields"]]
        own = form["action"] in ("", path.partition("?")[0], path)
        if form["method"] == "post" and own and "csrfmiddlewaretoken" in names:
            return [tuple(f) for f in form["fields"]]
    return None


def post_form_to(page, path, action_prefix):
    """Like post_form, but also a form whose action starts with `action_prefix` (the Book
    button's page posts to the details step). Returns (where it posts, fields) or None."""
    parser = _Forms()
    parser.feed(page.decode("utf-8", "replace"))
    for form in parser.forms:
        names = [f[0] for f in form["fields"]]
        action = form["action"]
        if form["method"] != "post" or "csrfmiddlewaretoken" not in names:
            continue
        if action in ("", path.partition("?")[0], path):
            return path, [tuple(f) for f in form["fields"]]
        if action.startswith(action_prefix):
            return action, [tuple(f) for f in form["fields"]]
    return None


def sign_in(port, email, password):
    """allauth's sign-in as a browser does it: the page (for its CSRF token), then the POST.
    Returns the signed-in Visitor."""
    visitor = Visitor(port)
    status, _, page = visitor.request("GET", "/accounts/login/")
    if status != 200:
        raise RuntimeError(f"sign-in page answered {status}")
    fields = post_form(page, "/accounts/login/")
    if fields is None:
        raise RuntimeError("the sign-in page has no form")
    form = [(k, v) for k, v in fields if k not in ("login", "password")]
    form += [("login", email), ("password", password)]
    status, location, body = visitor.request(
        "POST", "/accounts/login/", form=form, referer="/accounts/login/"
    )
    if status != 302 or "sessionid" not in visitor.cookies:
        raise RuntimeError(f"sign-in for {email} answered {status} {location} {body[:200]!r}")
    return visitor


# --- the emails: an SMTP server that accepts everything ------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        sink = self.server.sink
        self.wfile.write(b"220 bench ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-bench\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk)
                sink.took(b"".join(lines))
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 OK\r\n")


class SMTPSink:
    """Counts what the worker sends: messages, and those carrying a calendar file."""

    def __init__(self):
        self.messages = 0
        self.with_calendar = 0
        self.subjects = {}
        self._lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
        self.server.daemon_threads = True
        self.server.sink = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def took(self, message):
        subject = re.search(rb"^Subject: (.*)$", message, re.M)
        kind = subject.group(1).decode(errors="replace").split(":")[0][:40] if subject else "?"
        with self._lock:
            self.messages += 1
            self.with_calendar += b"text/calendar" in message
            self.subjects[kind] = self.subjects.get(kind, 0) + 1

    def counts(self):
        with self._lock:
            return self.messages, self.with_calendar

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- the Celery worker, and waiting for the queues to empty ---------------------------------------


def start_worker(env, log_path, concurrency=None):
    """docker-compose.yml's worker: every production queue, prefork, its default concurrency
    (one process per core) unless told."""
    cmd = [str(BIN / "celery"), "-A", "config", "worker", "-l", "warning", "-Q", ",".join(QUEUES)]
    if concurrency:
        cmd += ["--concurrency", str(concurrency)]
    log = open(log_path, "ab")  # noqa: SIM115  (the worker writes to it until stopped)
    return subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_worker(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def waiting_tasks(redis_url, db_url):
    """Tasks not yet run: in the broker's queues (every priority), taken but not acknowledged
    (acks_late), or still in the outbox waiting to be published."""
    r = redis.Redis.from_url(redis_url)
    queued = 0
    for key in r.scan_iter(count=1000):
        name = key.split(b"\x06\x16")[0].decode(errors="replace")
        if name in QUEUES and r.type(key) == b"list":
            queued += r.llen(key)
    unacked = r.hlen("unacked")
    with psycopg.connect(db_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        outbox = c.execute("SELECT count(*) FROM project_outboxmessage").fetchone()[0]
    return queued + unacked + outbox


def wait_until_drained(redis_url, db_url, limit=300):
    """Seconds until no task is waiting (a pass is not over before its emails are sent)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        if waiting_tasks(redis_url, db_url) == 0:
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise RuntimeError(f"tasks still waiting after {limit} s")


def wait_for_worker(redis_url, proc, limit=60):
    """Until the worker has connected (its relay of the outbox runs on start)."""
    r = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the Celery worker exited before it was ready")
        if any(k.startswith(b"_kombu.binding.") for k in r.scan_iter("_kombu.binding.*")):
            time.sleep(1.0)  # bindings exist once it consumes; let its children start
            return
        time.sleep(0.2)
    raise RuntimeError("the Celery worker never bound its queues")


# --- the static file: wrk -----------------------------------------------------------------------


def wrk_rate(port, path, seconds=10, connections=50, threads=2):
    """Requests per second wrk gets for one path (all answers must be 200), or None when wrk
    is not installed (apt-get install wrk)."""
    url = f"http://127.0.0.1:{port}{path}"
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    cmd += ["-H", f"Host: {HOST}", "-H", "X-Forwarded-Proto: https", url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    except FileNotFoundError:
        return None
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors on {path}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


BARE_WHITENOISE = """\
from whitenoise import WhiteNoise


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b""]


application = WhiteNoise(not_found, root={root!r}, prefix="static/", max_age=31536000)
"""


def path_of(url):
    return urlsplit(url).path
