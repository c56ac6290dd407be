"""Request ids: accepted from the load balancer or made here, echoed back, and put on every
log line and every task the request enqueues."""

from .logging import accept_request_id, request_id


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = accept_request_id(request.headers.get(self.header, ""))
        request.request_id = rid
        # Cleared on request_finished, not here: Django logs a 4xx/5xx after the middleware
        # has returned, and that line belongs to this request too.
        request_id.set(rid)
        _tag_sentry(rid)
        response = self.get_response(request)
        response[self.header] = rid
        return response


def forget_request_id(**kwargs):
    """request_finished: the worker thread's next log lines belong to no request."""
    request_id.set("")


def _tag_sentry(rid):
    try:
        import sentry_sdk  # deferred: loaded only when a request id is tagged
    except ImportError:  # pragma: no cover - sentry-sdk is a runtime dependency
        return
    sentry_sdk.set_tag("request_id", rid)
