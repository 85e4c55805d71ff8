"""Events the endpoint hands to the application (plain classes, as h11 and aioquic do)."""


class Event:
    def __repr__(self):
        return "<" + self.__class__.__name__ + " " + repr(self.__dict__) + ">"


class RequestReceived(Event):
    """A whole request (Block1 reassembled); answer it with Endpoint.respond(handle, ...)."""

    def __init__(self, handle, request, addr):
        self.handle = handle
        self.request = request
        self.addr = addr


class ResponseReceived(Event):
    """A whole response (Block2 followed) to send_request(); one per notification when
    observing."""

    def __init__(self, handle, response, addr):
        self.handle = handle
        self.response = response
        self.addr = addr


class RequestFailed(Event):
    """The request cannot complete; `error` is a CoapError (RequestTimeout, ResetReceived, ...)."""

    def __init__(self, handle, error):
        self.handle = handle
        self.error = error


class Pong(Event):
    """The peer answered ping() (RST, or an empty ACK); `rtt` in seconds."""

    def __init__(self, handle, addr, rtt):
        self.handle = handle
        self.addr = addr
        self.rtt = rtt
