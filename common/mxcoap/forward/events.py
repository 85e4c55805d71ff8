"""Events a forwarder hands to its driver (next_event())."""


class HttpRequestReady:
    """Host: a request decoded from `peer_id` (its static key); answer with respond(handle)."""

    def __init__(self, handle, http_request, peer_id):
        self.handle = handle
        self.http_request = http_request
        self.peer_id = peer_id

    def __repr__(self):
        return "<HttpRequestReady " + repr(self.http_request) + ">"


class HttpResponseReady:
    """Edge: the answer to the request submit() returned `handle` for."""

    def __init__(self, handle, http_response):
        self.handle = handle
        self.http_response = http_response

    def __repr__(self):
        return "<HttpResponseReady " + repr(self.http_response) + ">"


class HttpRequestFailed:
    """Edge: the request behind `handle` got no answer; `error` is a ForwardError whose
    `status` is the HTTP status to give the client."""

    def __init__(self, handle, error):
        self.handle = handle
        self.error = error

    def __repr__(self):
        return "<HttpRequestFailed " + str(self.error.status) + " " + self.error.message + ">"


class LogEvent:
    """A line for the driver's log. `kind`: "maps" (map agreement reason), "map-retry" (a
    request sent again after MapRetry), "state-retry" (likewise after PeerLostState),
    "refused" (host: a request it could not decode, answered with Mx-Error), "closed" (a
    secure session ended), "rejected" (a peer key refused). `error`: the exception behind it,
    if any (a MatrixError for "refused" and the retries)."""

    def __init__(self, kind, reason, peer_id=None, error=None):
        self.kind = kind
        self.reason = reason
        self.peer_id = peer_id
        self.error = error

    def __repr__(self):
        return "<LogEvent " + self.kind + ": " + self.reason + ">"
