"""Stripe, for tests: the real stripe-python StripeClient talks to this instead of the network.

`RecordedStripe` is a `stripe.HTTPClient`. It answers with Stripe's JSON shapes (recorded from
the API's test mode and trimmed to the fields a reader cares about), keeps the objects it has
made so later calls see them, replays a POST with the same Idempotency-Key as Stripe does, and
records every request (method, path, headers, form) for assertions. Helpers move an object
along as the payer or Stripe would (`pay`, `settle`, `fail`, `refund_in_dashboard`) and make
the webhook events Stripe would send, signed exactly as Stripe signs them."""

import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import stripe

SECRET_KEY = "sk_test_51CpdDouble"
WEBHOOK_SECRET = "whsec_cpd_double_0123456789abcdef"
API_VERSION = "2025-09-30.clover"

# --- recorded objects (Stripe test mode), with the fields that vary left to fill in ----------

CHECKOUT_SESSION = {
    "id": None,
    "object": "checkout.session",
    "after_expiration": None,
    "allow_promotion_codes": None,
    "amount_subtotal": None,
    "amount_total": None,
    "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
    "billing_address_collection": None,
    "cancel_url": None,
    "client_reference_id": None,
    "client_secret": None,
    "consent": None,
    "consent_collection": None,
    "created": None,
    "currency": "gbp",
    "custom_fields": [],
    "custom_text": {
        "after_submit": None,
        "shipping_address": None,
        "submit": None,
        "terms_of_service_acceptance": None,
    },
    "customer": None,
    "customer_creation": "if_required",
    "customer_details": None,
    "customer_email": None,
    "discounts": [],
    "expires_at": None,
    "invoice": None,
    "invoice_creation": {"enabled": False, "invoice_data": {"metadata": {}}},
    "livemode": False,
    "locale": None,
    "metadata": {},
    "mode": "payment",
    "payment_intent": None,
    "payment_link": None,
    "payment_method_collection": "if_required",
    "payment_method_configuration_details": None,
    "payment_method_options": {},
    "payment_method_types": ["card"],
    "payment_status": "unpaid",
    "phone_number_collection": {"enabled": False},
    "recovered_from": None,
    "setup_intent": None,
    "shipping_address_collection": None,
    "shipping_cost": None,
    "shipping_options": [],
    "status": "open",
    "submit_type": None,
    "subscription": None,
    "success_url": None,
    "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
    "ui_mode": "hosted",
    "url": None,
}

PAYMENT_INTENT = {
    "id": None,
    "object": "payment_intent",
    "amount": None,
    "amount_capturable": 0,
    "amount_received": 0,
    "capture_method": "automatic_async",
    "confirmation_method": "automatic",
    "created": None,
    "currency": "gbp",
    "customer": None,
    "description": None,
    "latest_charge": None,
    "livemode": False,
    "metadata": {},
    "payment_method": None,
    "payment_method_types": ["card"],
    "status": "requires_payment_method",
}

PAYMENT_METHOD = {
    "id": None,
    "object": "payment_method",
    "billing_details": {"email": "finance@oakfield.sch.uk", "name": "Frank Finance"},
    "created": None,
    "customer": None,
    "livemode": False,
    "metadata": {},
    "type": "card",
}
CARD = {"brand": "visa", "country": "GB", "exp_month": 12, "exp_year": 2030, "last4": "4242"}
BACS_DEBIT = {"fingerprint": "gVXQBeYW", "last4": "2345", "sort_code": "108800"}

CHARGE = {
    "id": None,
    "object": "charge",
    "amount": None,
    "amount_captured": None,
    "amount_refunded": 0,
    "balance_transaction": None,
    "captured": True,
    "created": None,
    "currency": "gbp",
    "customer": None,
    "livemode": False,
    "metadata": {},
    "paid": True,
    "payment_intent": None,
    "payment_method": None,
    "refunded": False,
    "status": "succeeded",
}

REFUND = {
    "id": None,
    "object": "refund",
    "amount": None,
    "balance_transaction": None,
    "charge": None,
    "created": None,
    "currency": "gbp",
    "metadata": {},
    "payment_intent": None,
    "reason": None,
    "status": "succeeded",
}

CUSTOMER = {
    "id": None,
    "object": "customer",
    "balance": 0,
    "created": None,
    "currency": None,
    "email": None,
    "livemode": False,
    "metadata": {},
    "name": None,
}


def error_body(message, *, type_="invalid_request_error", code=None, param=None):
    return {"error": {"type": type_, "message": message, "code": code, "param": param}}


# --- Stripe's form encoding -------------------------------------------------------------------


def parse_form(text):
    """`metadata[invoice_id]=7&line_items[0][quantity]=1` → nested dicts and lists."""
    result = {}
    for key, value in parse_qsl(text or "", keep_blank_values=True):
        _put(result, key.replace("]", "").split("["), value)
    return result


def _put(root, parts, value):
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = None if last else ([] if parts[i + 1].isdigit() else {})
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append(None)
            if last:
                node[index] = value
            else:
                if node[index] is None:
                    node[index] = nxt
                node = node[index]
        else:
            if last:
                node[part] = value
            else:
                if not isinstance(node.get(part), (dict, list)):
                    node[part] = nxt
                node = node[part]


class Request:
    def __init__(self, method, url, headers, post_data):
        parts = urlsplit(url)
        self.method = method.lower()
        self.url = url
        self.path = parts.path
        self.headers = dict(headers or {})
        self.body = post_data or ""
        self.form = parse_form(post_data if self.method == "post" else parts.query)

    @property
    def idempotency_key(self):
        return self.headers.get("Idempotency-Key")

    def __repr__(self):
        return f"<{self.method.upper()} {self.path}>"


# --- the double -------------------------------------------------------------------------------


class RecordedStripe(stripe.HTTPClient):
    name = "recorded-stripe"

    def __init__(self):
        super().__init__()
        self.requests = []
        self.sessions = {}
        self.intents = {}
        self.methods = {}
        self.charges = {}
        self.refunds = {}
        self.customers = {}
        self._replies = {}  # Idempotency-Key → (body sent, response)
        self._failures = []  # (method, path prefix, status, body) for the next matching calls
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.clock = time.time

    # stripe.HTTPClient's interface ---------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        with self._lock:
            req = Request(method, url, headers, post_data)
            self.requests.append(req)
            failure = self._take_failure(req)
            if failure:
                return self._reply(failure[0], failure[1])
            if req.method == "post" and req.idempotency_key in self._replies:
                sent, response = self._replies[req.idempotency_key]
                if sent != req.body:
                    return self._reply(
                        400,
                        error_body(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                            type_="idempotency_error",
                        ),
                    )
                return response
            status, body = self._route(req)
            response = self._reply(status, body)
            if req.method == "post" and req.idempotency_key and status < 500:
                self._replies[req.idempotency_key] = (req.body, response)
            return response

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("no streaming endpoints are used")

    def close(self):
        pass

    def _reply(self, status, body):
        # "Stripe-Should-Retry: false" keeps the library from sleeping through its retries.
        return (
            json.dumps(body),
            status,
            {"request-id": f"req_{next(self._ids)}", "stripe-should-retry": "false"},
        )

    # what tests ask of it ------------------------------------------------------------------

    def fail_next(self, method, path_prefix, status=500, body=None, times=1):
        """The next `times` matching calls get an error, as when Stripe has an outage."""
        body = body or error_body("An unknown error occurred", type_="api_error")
        self._failures.extend([(method, path_prefix, status, body)] * times)

    def calls(self, method, path_prefix):
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def _take_failure(self, req):
        for i, (method, prefix, status, body) in enumerate(self._failures):
            if method == req.method and req.path.startswith(prefix):
                del self._failures[i]
                return status, body
        return None

    def _id(self, prefix):
        return f"{prefix}_test_{next(self._ids):06d}CpdDouble"

    def _now(self):
        return int(self.clock())

    # routes --------------------------------------------------------------------------------

    ROUTES = [
        ("post", r"/v1/checkout/sessions", "_create_session"),
        ("get", r"/v1/checkout/sessions", "_list_sessions"),
        ("get", r"/v1/checkout/sessions/(?P<session_id>[^/]+)", "_get_session"),
        ("post", r"/v1/customers", "_create_customer"),
        ("get", r"/v1/charges/(?P<charge_id>[^/]+)", "_get_charge"),
        ("post", r"/v1/refunds", "_create_refund"),
    ]

    def _route(self, req):
        for method, pattern, handler in self.ROUTES:
            match = re.fullmatch(pattern, req.path)
            if method == req.method and match:
                return getattr(self, handler)(req, **match.groupdict())
        return 404, error_body(f"Unrecognized request URL ({req.method.upper()}: {req.path})")

    def _expand(self, obj, expand, prefix=""):
        obj = copy.deepcopy(obj)
        wanted = {e[len(prefix) :] for e in expand if e.startswith(prefix)}
        if "payment_intent" in wanted and obj.get("payment_intent"):
            intent = copy.deepcopy(self.intents[obj["payment_intent"]])
            if "payment_intent.payment_method" in wanted and intent.get("payment_method"):
                intent["payment_method"] = copy.deepcopy(self.methods[intent["payment_method"]])
            if "payment_intent.latest_charge" in wanted and intent.get("latest_charge"):
                intent["latest_charge"] = copy.deepcopy(self.charges[intent["latest_charge"]])
            obj["payment_intent"] = intent
        return obj

    def _create_session(self, req):
        form = req.form
        line = form["line_items"][0]
        amount = int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1))
        session_id = self._id("cs")
        now = self._now()
        session = copy.deepcopy(CHECKOUT_SESSION)
        session.update(
            id=session_id,
            amount_subtotal=amount,
            amount_total=amount,
            cancel_url=form.get("cancel_url"),
            success_url=form.get("success_url"),
            client_reference_id=form.get("client_reference_id"),
            created=now,
            currency=line["price_data"]["currency"],
            customer=form.get("customer"),
            expires_at=now + 24 * 3600,
            metadata=form.get("metadata", {}),
            payment_method_types=form.get("payment_method_types", ["card"]),
            payment_method_options=form.get("payment_method_options", {}),
            url=f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA",
        )
        self.sessions[session_id] = session
        return 200, session

    def _get_session(self, req, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            return 404, error_body(
                f"No such checkout.session: '{session_id}'", code="resource_missing", param="id"
            )
        return 200, self._expand(session, req.form.get("expand", []))

    def _list_sessions(self, req):
        form = req.form
        since = int(form.get("created", {}).get("gte", 0))
        status = form.get("status")
        data = [
            self._expand(s, form.get("expand", []), prefix="data.")
            for s in sorted(self.sessions.values(), key=lambda s: s["created"], reverse=True)
            if s["created"] >= since and (status is None or s["status"] == status)
        ]
        limit = int(form.get("limit", 10))
        return 200, {
            "object": "list",
            "data": data[:limit],
            "has_more": len(data) > limit,
            "url": "/v1/checkout/sessions",
        }

    def _create_customer(self, req):
        customer = copy.deepcopy(CUSTOMER)
        customer.update(
            id=self._id("cus"),
            created=self._now(),
            name=req.form.get("name"),
            email=req.form.get("email"),
            metadata=req.form.get("metadata", {}),
        )
        self.customers[customer["id"]] = customer
        return 200, customer

    def _get_charge(self, req, charge_id):
        charge = self.charges.get(charge_id)
        if charge is None:
            return 404, error_body(f"No such charge: '{charge_id}'", code="resource_missing")
        return 200, copy.deepcopy(charge)

    def _create_refund(self, req):
        intent = self.intents.get(req.form.get("payment_intent"))
        if intent is None or not intent["latest_charge"]:
            return 400, error_body("This PaymentIntent has no charge to refund.")
        charge = self.charges[intent["latest_charge"]]
        amount = int(req.form.get("amount", charge["amount"] - charge["amount_refunded"]))
        if amount > charge["amount"] - charge["amount_refunded"]:
            return 400, error_body(
                f"Refund amount (£{amount / 100:.2f}) is greater than unrefunded amount on "
                f"charge (£{(charge['amount'] - charge['amount_refunded']) / 100:.2f})",
                code="amount_too_large",
            )
        refund = self._refund(charge, amount, reason=req.form.get("reason"))
        refund["metadata"] = req.form.get("metadata", {})
        return 200, refund

    def _refund(self, charge, amount, reason=None):
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund = copy.deepcopy(REFUND)
        refund.update(
            id=self._id("re"),
            amount=amount,
            charge=charge["id"],
            created=self._now(),
            payment_intent=charge["payment_intent"],
            reason=reason,
        )
        self.refunds[refund["id"]] = refund
        return copy.deepcopy(refund)

    # what the payer and Stripe do -----------------------------------------------------------

    def pay(self, session_id, method="card"):
        """The payer completes Checkout. A card is paid at once; a Bacs Direct Debit is
        processing for days; a bank transfer waits for the school's money."""
        with self._lock:
            session = self.sessions[session_id]
            intent = copy.deepcopy(PAYMENT_INTENT)
            intent.update(
                id=self._id("pi"),
                amount=session["amount_total"],
                created=self._now(),
                customer=session["customer"],
                metadata=copy.deepcopy(session["metadata"]),
                payment_method_types=list(session["payment_method_types"]),
            )
            payment_method = copy.deepcopy(PAYMENT_METHOD)
            payment_method.update(id=self._id("pm"), created=self._now(), type=method)
            if method == "card":
                payment_method["card"] = dict(CARD)
            elif method == "bacs_debit":
                payment_method["bacs_debit"] = dict(BACS_DEBIT)
            self.methods[payment_method["id"]] = payment_method
            intent["payment_method"] = payment_method["id"]
            self.intents[intent["id"]] = intent
            session.update(status="complete", payment_intent=intent["id"])
            if method == "card":
                self._succeed(session)
            elif method == "bacs_debit":
                intent["status"] = "processing"
            else:
                intent["status"] = "requires_action"
            return copy.deepcopy(session)

    def settle(self, session_id):
        """An async payment (Bacs Direct Debit, bank transfer) clears."""
        with self._lock:
            self._succeed(self.sessions[session_id])

    def fail(self, session_id):
        """An async payment fails (e.g. the Direct Debit bounces)."""
        with self._lock:
            session = self.sessions[session_id]
            self.intents[session["payment_intent"]]["status"] = "requires_payment_method"

    def refund_in_dashboard(self, session_id, amount):
        with self._lock:
            intent = self.intents[self.sessions[session_id]["payment_intent"]]
            return self._refund(self.charges[intent["latest_charge"]], amount)

    def _succeed(self, session):
        intent = self.intents[session["payment_intent"]]
        charge = copy.deepcopy(CHARGE)
        charge.update(
            id=self._id("ch"),
            amount=intent["amount"],
            amount_captured=intent["amount"],
            created=self._now(),
            customer=intent["customer"],
            payment_intent=intent["id"],
            payment_method=intent["payment_method"],
        )
        self.charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"])
        intent["latest_charge"] = charge["id"]
        session["payment_status"] = "paid"

    # webhooks ------------------------------------------------------------------------------

    def session(self, session_id):
        return copy.deepcopy(self.sessions[session_id])

    def charge_for(self, session_id):
        intent = self.intents[self.sessions[session_id]["payment_intent"]]
        return copy.deepcopy(self.charges[intent["latest_charge"]])

    def event(self, type_, obj, event_id=None):
        """The event Stripe would send now about `obj` (a snapshot, as Stripe's are)."""
        return json.dumps(
            {
                "id": event_id or self._id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": self._now(),
                "data": {"object": copy.deepcopy(obj)},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": type_,
            }
        )


def sign(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """The Stripe-Signature header for `payload`, as Stripe makes it: an HMAC-SHA256 of
    "<timestamp>.<body>" keyed with the endpoint's secret."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    body = payload.decode() if isinstance(payload, bytes) else payload
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def install(settings, double=None):
    """Point the project's Stripe settings at a double (pytest-django's `settings` fixture)."""
    double = double or RecordedStripe()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_HTTP_CLIENT = lambda: double
    settings.STRIPE_BANK_TRANSFER_ENABLED = False
    return double


_shared = None


def shared():
    """One double per process, for a server started with
    STRIPE_HTTP_CLIENT=tests.billing.stripe_double.shared (e.g. a browser journey)."""
    global _shared
    if _shared is None:
        _shared = RecordedStripe()
    return _shared
