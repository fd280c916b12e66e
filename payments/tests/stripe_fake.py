"""A small fake of Stripe's HTTP API for the tests, and Stripe's webhook signing scheme.

The real `stripe` SDK talks to it over HTTP (settings.STRIPE_API_BASE points at it), so our
payment code runs unpatched. It implements only the endpoints Tiwizi calls, with the behaviours
the tests rely on and localstripe (a fake on PyPI) lacks: Checkout Sessions,
idempotency keys (same key and parameters → the same answer replayed; same key, other
parameters → an idempotency_error), refunds bounded by what was charged, API keys checked.
What a donor does on Stripe's page (pay, pay by a delayed method, let the page expire) and what
a lead does in Stripe's dashboard (refund there) are Python methods; events are built from
the fake's objects and signed like Stripe signs them.

One module of ~420 lines on purpose: it is one server, whose endpoints share its state.
"""

import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

API_KEY = "sk_test_tiwizi_fake"
WEBHOOK_SECRET = "whsec_tiwizi_test_secret"
WEBHOOK_URL = "/stripe/webhook/"


def sign(payload, *, secret=WEBHOOK_SECRET, timestamp=None):
    """The Stripe-Signature header for `payload`: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client, event, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    """Deliver `event` to our webhook endpoint as Stripe would: raw JSON body, signed."""
    payload = json.dumps(event)
    headers = {}
    signature = sign(payload, secret=secret, timestamp=timestamp) if signature is None else signature
    if signature:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json", **headers)


class StripeHTTPError(Exception):
    def __init__(self, status, error_type, message, code=None, param=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": error_type, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


def _nest(pairs):
    """Stripe's form encoding (`a[b][0][c]=v`) back into dicts and lists."""
    root = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


class FakeStripe:
    def __init__(self):
        self.lock = threading.RLock()
        self.ids = itertools.count(1)
        self.sessions, self.payment_intents, self.charges, self.refunds = {}, {}, {}, {}
        self.idempotent = {}  # idempotency key → (method, path, params, status, body)
        self.requests = []  # (method, path, params, idempotency key, replayed)
        # Requests to carry out, then hang up on without answering (the answer is lost on the way).
        self.drop_responses = 0
        # Called with each refund made through the API, before Stripe answers (what happens in
        # the world meanwhile: a test takes a lock there).
        self.after_refund = None
        self.server = None

    # -- server -------------------------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                fake._serve(self, "GET")

            def do_POST(self):
                fake._serve(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _serve(self, handler, method):
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = _nest(parse_qsl(body if method == "POST" else split.query, keep_blank_values=True))
        key = handler.headers.get("Idempotency-Key")
        replayed = False
        try:
            if handler.headers.get("Authorization") != f"Bearer {API_KEY}":
                raise StripeHTTPError(401, "invalid_request_error", "Invalid API Key provided")
            with self.lock:
                if method == "POST" and key and key in self.idempotent:
                    seen = self.idempotent[key]
                    if seen[:3] != (method, split.path, params):
                        raise StripeHTTPError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters they were "
                            "first used with.",
                        )
                    status, answer, replayed = seen[3], seen[4], True
                else:
                    try:
                        status, answer = 200, self._route(method, split.path, params)
                    except StripeHTTPError as error:
                        status, answer = error.status, error.body
                    if method == "POST" and key and status < 500:
                        self.idempotent[key] = (method, split.path, params, status, answer)
                self.requests.append((method, split.path, params, key, replayed))
        except StripeHTTPError as error:
            status, answer = error.status, error.body
        with self.lock:
            dropped, self.drop_responses = self.drop_responses > 0, max(self.drop_responses - 1, 0)
        if dropped:
            handler.close_connection = True
            return
        payload = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", f"req_{next(self.ids)}")
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(payload)

    def _route(self, method, path, params):
        routes = [
            ("POST", r"/v1/checkout/sessions", self._create_session),
            ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", self._get_session),
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", self._get_payment_intent),
            ("GET", r"/v1/charges/(?P<id>[^/]+)", self._get_charge),
            ("POST", r"/v1/refunds", self._create_refund),
            ("GET", r"/v1/refunds", self._list_refunds),
        ]
        for route_method, pattern, view in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return view(params, **match.groupdict())
        raise StripeHTTPError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})")

    # -- endpoints ----------------------------------------------------------------------------

    def _new_id(self, prefix):
        return f"{prefix}_test_{next(self.ids):06d}"

    def _create_session(self, params):
        if params.get("mode") != "payment":
            raise StripeHTTPError(400, "invalid_request_error", "mode must be payment here", param="mode")
        try:
            item = params["line_items"][0]
            price = item["price_data"]
            amount = int(price["unit_amount"]) * int(item.get("quantity", 1))
            currency = price["currency"]
        except (KeyError, IndexError, TypeError, ValueError):
            raise StripeHTTPError(400, "invalid_request_error", "Invalid line_items", param="line_items") from None
        if not re.fullmatch(r"[a-z]{3}", currency) or amount <= 0:
            raise StripeHTTPError(400, "invalid_request_error", "Invalid amount or currency", param="line_items")
        for name in ("success_url", "cancel_url"):
            if not params.get(name, "").startswith(("http://", "https://")):
                raise StripeHTTPError(400, "invalid_request_error", f"Not a valid URL: {name}", param=name)
        session_id = self._new_id("cs")
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "expires_at": int(params.get("expires_at") or time.time() + 86400),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "_payment_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
            "_line_items": params["line_items"],
        }
        return self._public(self.sessions[session_id])

    def _get_session(self, params, id):
        session = self._find(self.sessions, id)
        answer = self._public(session)
        if "payment_intent" in (params.get("expand") or []) and session["payment_intent"]:
            answer["payment_intent"] = copy.deepcopy(self.payment_intents[session["payment_intent"]])
        return answer

    def _get_payment_intent(self, params, id):
        return copy.deepcopy(self._find(self.payment_intents, id))

    def _get_charge(self, params, id):
        return copy.deepcopy(self._find(self.charges, id))

    def _create_refund(self, params):
        payment_intent = self._find(self.payment_intents, params.get("payment_intent", ""))
        refund = self.refund(
            payment_intent["id"], int(params["amount"]) if "amount" in params else None, metadata=params.get("metadata")
        )
        if self.after_refund is not None:
            self.after_refund(refund)
        return refund

    def _list_refunds(self, params):
        """Newest first, as Stripe lists them; filtered by charge or PaymentIntent."""
        refunds = [
            copy.deepcopy(refund)
            for refund in reversed(self.refunds.values())
            if all(refund[name] == params[name] for name in ("charge", "payment_intent") if name in params)
        ]
        limit = int(params.get("limit", 10))
        return {"object": "list", "url": "/v1/refunds", "has_more": len(refunds) > limit, "data": refunds[:limit]}

    def _find(self, objects, object_id):
        if object_id not in objects:
            raise StripeHTTPError(
                404, "invalid_request_error", f"No such object: '{object_id}'", code="resource_missing", param="id"
            )
        return objects[object_id]

    @staticmethod
    def _public(obj):
        return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}

    # -- what happens on Stripe's side --------------------------------------------------------

    def pay(self, session_id, *, delayed=False, charged=None):
        """The donor pays on the Checkout page (by card, or by a delayed method such as a bank
        debit). `charged` makes Stripe charge another amount than the session's (a mismatch)."""
        with self.lock:
            session = self.sessions[session_id]
            amount = session["amount_total"] if charged is None else charged
            payment_intent_id, charge_id = self._new_id("pi"), self._new_id("ch")
            self.payment_intents[payment_intent_id] = {
                "id": payment_intent_id,
                "object": "payment_intent",
                "amount": amount,
                "currency": session["currency"],
                "metadata": copy.deepcopy(session["_payment_intent_metadata"]),
                "status": "processing" if delayed else "succeeded",
                "latest_charge": charge_id,
            }
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "currency": session["currency"],
                "payment_intent": payment_intent_id,
                # Stripe does not copy the PaymentIntent's metadata here: our code must not need it.
                "metadata": {},
                "paid": not delayed,
                "refunded": False,
                "status": "pending" if delayed else "succeeded",
            }
            session.update(
                status="complete",
                payment_status="unpaid" if delayed else "paid",
                payment_intent=payment_intent_id,
                amount_total=amount,
            )
            return self._public(session)

    def settle_delayed(self, session_id, *, succeeded=True):
        with self.lock:
            session = self.sessions[session_id]
            payment_intent = self.payment_intents[session["payment_intent"]]
            charge = self.charges[payment_intent["latest_charge"]]
            if succeeded:
                payment_intent["status"] = "succeeded"
                charge.update(paid=True, status="succeeded")
                session["payment_status"] = "paid"
            else:
                payment_intent["status"] = "requires_payment_method"
                charge.update(paid=False, status="failed")
            return self._public(session)

    def expire(self, session_id):
        with self.lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", "only an open session expires"
            session["status"] = "expired"
            return self._public(session)

    def refund(self, payment_intent_id, amount=None, *, metadata=None):
        """A refund, asked through the API or made by a lead in Stripe's dashboard."""
        with self.lock:
            charge = self.charges[self.payment_intents[payment_intent_id]["latest_charge"]]
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining <= 0:
                raise StripeHTTPError(
                    400, "invalid_request_error", "Charge has already been refunded.", code="charge_already_refunded"
                )
            amount = remaining if amount is None else amount
            if amount <= 0 or amount > remaining:
                raise StripeHTTPError(
                    400,
                    "invalid_request_error",
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                    code="amount_too_large",
                    param="amount",
                )
            refund_id = self._new_id("re")
            self.refunds[refund_id] = {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "currency": charge["currency"],
                "payment_intent": payment_intent_id,
                "metadata": copy.deepcopy(metadata or {}),
                "created": int(time.time()),
                "failure_reason": None,
                "status": "succeeded",
            }
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return copy.deepcopy(self.refunds[refund_id])

    def fail_refund(self, refund_id, reason="expired_or_canceled_card"):
        """The card's bank sends a refund back (a closed account): Stripe marks it failed and puts
        the money back in the account's balance, so the charge no longer counts it refunded."""
        with self.lock:
            refund = self.refunds[refund_id]
            assert refund["status"] != "failed", "a refund fails once"
            refund.update(status="failed", failure_reason=reason)
            charge = self.charges[refund["charge"]]
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            return copy.deepcopy(refund)

    # -- events -------------------------------------------------------------------------------

    def event(self, event_type, obj):
        return {
            "id": self._new_id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": copy.deepcopy(obj)},
        }

    def session_event(self, event_type, session_id):
        with self.lock:
            return self.event(event_type, self._public(self.sessions[session_id]))

    def charge_refunded_event(self, session_id):
        with self.lock:
            payment_intent = self.payment_intents[self.sessions[session_id]["payment_intent"]]
            return self.event("charge.refunded", self.charges[payment_intent["latest_charge"]])

    def refund_event(self, event_type, refund_id):
        """refund.created/updated/failed or charge.refund.updated: the refund as it stands."""
        with self.lock:
            return self.event(event_type, self.refunds[refund_id])

    # -- what the tests look at -----------------------------------------------------------------

    def calls(self, method, path_prefix):
        return [request for request in self.requests if request[0] == method and request[1].startswith(path_prefix)]

    @property
    def only_session(self):
        assert len(self.sessions) == 1, f"{len(self.sessions)} sessions were created"
        return next(iter(self.sessions.values()))


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    """Stripe keys set and the SDK pointed at a fresh fake, on 127.0.0.1 only."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tiwizi_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.stop()


# -- Shortcuts for the tests of card pledges -------------------------------------------------------


def card_pledge(need, quantity, donor=None):
    """A card pledge made through the service (Stripe keys must be set: use `fake_stripe`)."""
    from accounts.tests.factories import MemberFactory
    from donations.models import Pledge
    from donations.services import pledge_create

    return pledge_create(
        donor=donor or MemberFactory(password=None), need=need, quantity=quantity, channel=Pledge.Channel.CARD
    )


def open_checkout(pledge, *, base="http://testserver"):
    """What the pay page does: the donor's Checkout page address, through the service."""
    from payments.checkout import checkout_start

    return checkout_start(
        pledge=pledge,
        actor=pledge.donor,
        success_url=f"{base}/me/pledges/{pledge.pk}/pay/done/",
        cancel_url=f"{base}/me/pledges/{pledge.pk}/pay/?cancelled=1",
    )


def session_id_of(checkout_url):
    return checkout_url.rsplit("/", 1)[-1]
