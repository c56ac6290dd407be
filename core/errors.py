"""The page for an unexpected error. When the cause is the database going away (a restart,
a failover), the answer is a 503 with Retry-After: the request's transaction was rolled
back whole, so trying again is safe, and load balancers and clients know to retry."""

import sys

from django import db
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 10


def server_error(request):
    _, error, _ = sys.exc_info()
    if isinstance(error, db.OperationalError | db.InterfaceError):
        # Rendered without a request: no context processor may touch the database now.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(render_to_string("500.html"))
