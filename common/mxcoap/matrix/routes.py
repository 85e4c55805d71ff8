"""The route table: path templates <-> route codes (MSC3079 Appendix B, extended).

ROUTES[code] = (template, request schema, response schema). A template is the raw path with
`{name}` for a path parameter that fills one whole segment; literal segments must match exactly
(so a specialised template such as .../send/m.room.message/{txnId} is listed before the general
one and wins). A schema is a tuple of object keys: a body that is an object holding all of them
travels as a CBOR array of their values (body.py), which saves the keys of the commonest bodies.

The first 24 codes cost one byte (RFC 8949 §3.1). Codes 0.. are listed here in order of
frequency; the r0 twins of every client v3 and media v3 template follow (r0_variants), so a
client on the old r0 paths is compact too. The method is not part of the route: it rides in the
CoAP code.
"""

_MSG = ("msgtype", "body")
_EID = ("event_id",)
_RID = ("room_id",)
_C = "/_matrix/client/v3/"

BASE_ROUTES = (
    # 0-23: one byte
    (_C + "rooms/{roomId}/send/m.room.message/{txnId}", _MSG, _EID),
    (_C + "sync", None, None),
    (_C + "rooms/{roomId}/send/{eventType}/{txnId}", None, _EID),
    (_C + "rooms/{roomId}/typing/{userId}", ("typing", "timeout"), None),
    (_C + "rooms/{roomId}/receipt/{receiptType}/{eventId}", None, None),
    (_C + "rooms/{roomId}/read_markers", None, None),
    (_C + "rooms/{roomId}/state/{eventType}/{stateKey}", None, _EID),
    (_C + "rooms/{roomId}/state/{eventType}", None, _EID),
    (_C + "rooms/{roomId}/messages", None, None),
    (_C + "keys/upload", None, None),
    (_C + "keys/query", None, None),
    (_C + "keys/claim", None, None),
    (_C + "sendToDevice/{eventType}/{txnId}", None, None),
    (_C + "rooms/{roomId}/redact/{eventId}/{txnId}", None, _EID),
    (_C + "rooms/{roomId}/event/{eventId}", None, None),
    (_C + "rooms/{roomId}/members", None, None),
    (_C + "rooms/{roomId}/joined_members", None, None),
    (_C + "joined_rooms", None, None),
    (_C + "join/{roomIdOrAlias}", None, _RID),
    (_C + "rooms/{roomId}/join", None, _RID),
    (_C + "rooms/{roomId}/leave", None, None),
    (_C + "rooms/{roomId}/invite", None, None),
    ("/_matrix/client/versions", None, None),
    (_C + "account/whoami", None, None),
    # 24-: two bytes
    (_C + "login", None, None),
    (_C + "logout", None, None),
    (_C + "logout/all", None, None),
    (_C + "register", None, None),
    (_C + "register/available", None, None),
    (_C + "refresh", None, None),
    (_C + "capabilities", None, None),
    (_C + "pushrules/", None, None),
    (_C + "pushrules/{scope}/{kind}/{ruleId}", None, None),
    (_C + "pushrules/{scope}/{kind}/{ruleId}/enabled", None, None),
    (_C + "pushrules/{scope}/{kind}/{ruleId}/actions", None, None),
    (_C + "user/{userId}/filter", None, None),
    (_C + "user/{userId}/filter/{filterId}", None, None),
    (_C + "user/{userId}/account_data/{type}", None, None),
    (_C + "user/{userId}/rooms/{roomId}/account_data/{type}", None, None),
    (_C + "user/{userId}/rooms/{roomId}/tags", None, None),
    (_C + "user/{userId}/rooms/{roomId}/tags/{tag}", None, None),
    (_C + "user/{userId}/openid/request_token", None, None),
    (_C + "presence/{userId}/status", None, None),
    (_C + "profile/{userId}", None, None),
    (_C + "profile/{userId}/displayname", None, None),
    (_C + "profile/{userId}/avatar_url", None, None),
    (_C + "profile/{userId}/{keyName}", None, None),
    (_C + "createRoom", None, _RID),
    (_C + "directory/room/{roomAlias}", None, None),
    (_C + "directory/list/room/{roomId}", None, None),
    (_C + "publicRooms", None, None),
    (_C + "user_directory/search", None, None),
    (_C + "rooms/{roomId}/state", None, None),
    (_C + "rooms/{roomId}/context/{eventId}", None, None),
    (_C + "rooms/{roomId}/forget", None, None),
    (_C + "rooms/{roomId}/kick", None, None),
    (_C + "rooms/{roomId}/ban", None, None),
    (_C + "rooms/{roomId}/unban", None, None),
    (_C + "rooms/{roomId}/aliases", None, None),
    (_C + "rooms/{roomId}/upgrade", None, None),
    (_C + "rooms/{roomId}/report/{eventId}", None, None),
    (_C + "rooms/{roomId}/report", None, None),
    (_C + "knock/{roomIdOrAlias}", None, _RID),
    (_C + "search", None, None),
    (_C + "notifications", None, None),
    (_C + "voip/turnServer", None, None),
    (_C + "devices", None, None),
    (_C + "devices/{deviceId}", None, None),
    (_C + "delete_devices", None, None),
    (_C + "keys/changes", None, None),
    (_C + "keys/device_signing/upload", None, None),
    (_C + "keys/signatures/upload", None, None),
    (_C + "room_keys/version", None, None),
    (_C + "room_keys/version/{version}", None, None),
    (_C + "room_keys/keys", None, None),
    (_C + "room_keys/keys/{roomId}", None, None),
    (_C + "room_keys/keys/{roomId}/{sessionId}", None, None),
    (_C + "pushers", None, None),
    (_C + "pushers/set", None, None),
    (_C + "account/password", None, None),
    (_C + "account/deactivate", None, None),
    (_C + "account/3pid", None, None),
    (_C + "thirdparty/protocols", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/relations/{eventId}", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/threads", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/hierarchy", None, None),
    ("/_matrix/client/v1/rooms/{roomId}/timestamp_to_event", None, None),
    ("/_matrix/client/v1/auth_metadata", None, None),
    ("/_matrix/client/unstable/org.matrix.simplified_msc3575/sync", None, None),
    # authenticated media (client v1, spec v1.11) and the older media v3 API
    ("/_matrix/client/v1/media/config", None, None),
    ("/_matrix/client/v1/media/download/{serverName}/{mediaId}", None, None),
    ("/_matrix/client/v1/media/download/{serverName}/{mediaId}/{fileName}", None, None),
    ("/_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}", None, None),
    ("/_matrix/client/v1/media/preview_url", None, None),
    ("/_matrix/media/v3/upload", None, None),
    ("/_matrix/media/v3/upload/{serverName}/{mediaId}", None, None),
    ("/_matrix/media/v1/create", None, None),
    ("/_matrix/media/v3/config", None, None),
    ("/_matrix/media/v3/download/{serverName}/{mediaId}", None, None),
    ("/_matrix/media/v3/download/{serverName}/{mediaId}/{fileName}", None, None),
    ("/_matrix/media/v3/thumbnail/{serverName}/{mediaId}", None, None),
    ("/_matrix/media/v3/preview_url", None, None),
    # federation (server-server API)
    ("/_matrix/federation/v1/send/{txnId}", None, None),
    ("/_matrix/federation/v1/version", None, None),
    ("/_matrix/federation/v1/event/{eventId}", None, None),
    ("/_matrix/federation/v1/state/{roomId}", None, None),
    ("/_matrix/federation/v1/state_ids/{roomId}", None, None),
    ("/_matrix/federation/v1/backfill/{roomId}", None, None),
    ("/_matrix/federation/v1/get_missing_events/{roomId}", None, None),
    ("/_matrix/federation/v1/event_auth/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v1/make_join/{roomId}/{userId}", None, None),
    ("/_matrix/federation/v1/send_join/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v2/send_join/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v1/make_leave/{roomId}/{userId}", None, None),
    ("/_matrix/federation/v1/send_leave/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v2/send_leave/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v1/make_knock/{roomId}/{userId}", None, None),
    ("/_matrix/federation/v1/send_knock/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v1/invite/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v2/invite/{roomId}/{eventId}", None, None),
    ("/_matrix/federation/v1/query/directory", None, None),
    ("/_matrix/federation/v1/query/profile", None, None),
    ("/_matrix/federation/v1/query/{queryType}", None, None),
    ("/_matrix/federation/v1/user/devices/{userId}", None, None),
    ("/_matrix/federation/v1/user/keys/query", None, None),
    ("/_matrix/federation/v1/user/keys/claim", None, None),
    ("/_matrix/federation/v1/publicRooms", None, None),
    ("/_matrix/federation/v1/hierarchy/{roomId}", None, None),
    ("/_matrix/federation/v1/timestamp_to_event/{roomId}", None, None),
    ("/_matrix/federation/v1/openid/userinfo", None, None),
    ("/_matrix/federation/v1/media/download/{mediaId}", None, None),
    ("/_matrix/federation/v1/media/thumbnail/{mediaId}", None, None),
    ("/_matrix/key/v2/server", None, None),
    ("/_matrix/key/v2/query", None, None),
    ("/_matrix/key/v2/query/{serverName}", None, None),
    # server discovery
    ("/.well-known/matrix/client", None, None),
    ("/.well-known/matrix/server", None, None),
    ("/.well-known/matrix/support", None, None),
)


def r0_variants(routes):
    """The r0 twin of every client v3 and media v3 template, in the same order."""
    out = []
    for template, req, resp in routes:
        for v3, r0 in (("/_matrix/client/v3/", "/_matrix/client/r0/"),
                       ("/_matrix/media/v3/", "/_matrix/media/r0/")):
            if template.startswith(v3):
                out.append((r0 + template[len(v3):], req, resp))
    return tuple(out)


ROUTES = BASE_ROUTES + r0_variants(BASE_ROUTES)

# Query parameter names with a one-byte code (request.py: Uri-Query values below 0x1e).
QUERY_KEYS = (
    "timeout", "since", "filter", "full_state", "set_presence", "limit", "dir", "from", "to",
    "access_token", "user_id", "server_name", "via", "ts", "kind", "allow_remote", "width",
    "height", "method", "animated", "filename", "url", "event_id", "ver", "v", "timeout_ms",
    "include", "only", "next_batch", "recurse",
)

TXN_PARAM = "txnId"  # a uint in this slot is a decimal transaction id, not an interned reference


class Route:
    """One route, made when a path matched it (the table keeps only its templates: memory)."""

    def __init__(self, code, template, req_schema, resp_schema):
        self.code = code
        self.template = template
        self.literals = []  # literal segments, None where a parameter goes
        self.params = []  # parameter names, left to right
        for seg in template.split("/")[1:]:
            if _is_param(seg, 0, len(seg)):
                self.literals.append(None)
                self.params.append(seg[1:-1])
            else:
                self.literals.append(seg)
        self.req_schema = req_schema or None
        self.resp_schema = resp_schema or None

    def build(self, values):
        """The raw path with the raw parameter segments put back."""
        out = []
        k = 0
        for lit in self.literals:
            if lit is None:
                out.append(values[k])
                k += 1
            else:
                out.append(lit)
        return "/" + "/".join(out)


def _is_param(text, start, end):
    return end - start > 2 and text[start] == "{" and text[end - 1] == "}"


def _match(template, segs):
    """The raw parameter segments when the path segments fit the template, else None."""
    values = []
    pos = 1  # just after the leading "/"
    for seg in segs:
        end = template.find("/", pos)
        if end < 0:
            end = len(template)
        if _is_param(template, pos, end):
            values.append(seg)
        elif end - pos != len(seg) or not template.startswith(seg, pos):
            return None
        pos = end + 1
    return values


class RouteTable:
    """Templates by number of segments; matching compares in place, so the device keeps no
    compiled copy of the 229 templates."""

    def __init__(self, routes):
        self.routes = routes  # (template, request schema, response schema) by code
        self.by_length = {}  # number of segments -> codes in order
        for code in range(len(routes)):
            n = routes[code][0].count("/")
            self.by_length.setdefault(n, []).append(code)

    def match(self, path):
        """(Route, raw parameter segments) for a raw path, or None (carried verbatim)."""
        if not path.startswith("/"):
            return None
        segs = path.split("/")[1:]
        for code in self.by_length.get(len(segs), ()):
            values = _match(self.routes[code][0], segs)
            if values is not None:
                return self.get(code), values
        return None

    def get(self, code):
        if 0 <= code < len(self.routes):
            template, req, resp = self.routes[code]
            return Route(code, template, req, resp)
        return None
