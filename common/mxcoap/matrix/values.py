"""Enumerated string values (event types, msgtype, membership, presence, join_rule, ...).

VALUES[i] is the JSON string that value code i stands for; it travels as the CBOR simple value
i for i < 20 (one byte: RFC 8949 §3.3 leaves 0-19 unassigned) and i + 12 for 20 <= i < 244 (two
bytes, simple values 32-255). JSON has no simple values, so a code can never be mistaken for data.
Ordered by how often each occurs in tests/vectors/synapse/scenario.har.
"""

VALUES = (
    # 0-19: one byte
    "m.room.message", "m.text", "join", "m.room.member", "", "invite", "leave",
    "m.room.encrypted", "m.megolm.v1.aes-sha2", "m.read", "m.typing", "m.receipt", "m.presence",
    "online", "m.notice", "m.image", "m.room.redaction", "m.reaction", "m.annotation",
    "m.thread",
    # 20-: two bytes
    "offline", "unavailable", "ban", "knock", "m.emote", "m.file", "m.audio", "m.video",
    "m.location", "m.room.create", "m.room.join_rules", "m.room.power_levels", "m.room.name",
    "m.room.topic", "m.room.avatar", "m.room.canonical_alias", "m.room.history_visibility",
    "m.room.guest_access", "m.room.encryption", "m.room.server_acl", "m.room.tombstone",
    "m.room.pinned_events", "m.room.third_party_invite", "m.space.child", "m.space.parent",
    "m.fully_read", "m.direct", "m.push_rules", "m.ignored_user_list", "m.tag",
    "m.read.private", "m.replace", "m.reference", "org.matrix.custom.html", "m.room_key",
    "m.room_key_request", "m.forwarded_room_key", "m.secret.request", "m.secret.send",
    "m.key.verification.request", "m.key.verification.start", "m.key.verification.ready",
    "m.key.verification.accept", "m.key.verification.key", "m.key.verification.mac",
    "m.key.verification.done", "m.key.verification.cancel", "m.olm.v1.curve25519-aes-sha2",
    "signed_curve25519", "curve25519", "ed25519", "m.call.invite", "m.call.answer",
    "m.call.candidates", "m.call.hangup", "m.call.select_answer", "m.call.negotiate",
    "m.login.password", "m.login.token", "m.login.sso", "m.login.dummy", "m.id.user",
    "m.id.thirdparty", "public", "private", "restricted", "knock_restricted", "shared",
    "invited", "joined", "world_readable", "can_join", "forbidden", "private_chat",
    "public_chat", "trusted_private_chat", "m.space", "b", "f", "forward", "backward",
    "image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "audio/ogg",
    "text/plain", "application/octet-stream", "notify", "dont_notify", "coalesce",
    "highlight", "sound", "default", "ring", "event_match", "event_property_is",
    "event_property_contains", "contains_display_name", "room_member_count",
    "sender_notification_permission", "content.body", "content.msgtype", "content.membership",
    "type", "state_key", "room", "M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN",
    "M_BAD_JSON", "M_NOT_JSON", "M_NOT_FOUND", "M_LIMIT_EXCEEDED", "M_UNKNOWN",
    "M_UNRECOGNIZED", "M_UNAUTHORIZED", "M_USER_DEACTIVATED", "M_USER_IN_USE",
    "M_INVALID_USERNAME", "M_ROOM_IN_USE", "M_INVALID_ROOM_STATE", "M_THREEPID_IN_USE",
    "M_SERVER_NOT_TRUSTED", "M_UNSUPPORTED_ROOM_VERSION", "M_INCOMPATIBLE_ROOM_VERSION",
    "M_BAD_STATE", "M_GUEST_ACCESS_FORBIDDEN", "M_MISSING_PARAM", "M_INVALID_PARAM",
    "M_TOO_LARGE", "M_EXCLUSIVE", "M_RESOURCE_LIMIT_EXCEEDED", "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM",
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "m.room.message.feedback",
    "m.sticker", "m.poll.start", "m.poll.response", "m.poll.end", "stable", "unstable", "@room",
)
