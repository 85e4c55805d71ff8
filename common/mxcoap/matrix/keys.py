"""Integer JSON keys (MSC3079 Appendix A, reordered and extended from recorded Synapse traffic).

KEYS[i] is the object key that CBOR integer key i stands for. The first 24 cost one byte
(RFC 8949 §3.1: arguments below 24 sit in the initial byte), so they hold the keys that occur
most in tests/vectors/synapse/scenario.har: event fields first, then sync structure. Appending
keys keeps older codes; reordering changes the map set id (maps.py), as it must.
"""

KEYS = (
    # 0-23: one byte
    "type", "content", "event_id", "sender", "origin_server_ts", "unsigned", "age", "state_key",
    "membership", "body", "msgtype", "room_id", "user_id", "displayname", "events",
    "transaction_id", "m.relates_to", "timeline", "state", "prev_batch", "limited", "next_batch",
    "rooms", "join",
    # 24-: two bytes
    "prev_content", "replaces_state", "prev_sender", "redacts", "redacted_because", "account_data",
    "ephemeral", "presence", "unread_notifications", "notification_count", "highlight_count",
    "summary", "m.heroes", "m.joined_member_count", "m.invited_member_count", "invite", "leave",
    "knock", "invite_state", "knock_state", "device_lists", "changed", "left",
    "device_one_time_keys_count", "device_unused_fallback_key_types", "to_device",
    "unread_thread_notifications", "m.mentions", "user_ids", "m.in_reply_to", "rel_type",
    "format", "formatted_body", "url", "info", "mimetype", "size", "w", "h", "thumbnail_url",
    "thumbnail_info", "filename", "file", "algorithm", "sender_key", "session_id", "ciphertext",
    "device_id", "device_keys", "one_time_keys", "fallback_keys", "keys", "signatures",
    "algorithms", "one_time_key_counts", "failures", "m.read", "m.read.private", "m.fully_read",
    "ts", "thread_id", "typing", "currently_active", "last_active_ago", "status_msg",
    "avatar_url", "name", "topic", "alias", "alt_aliases", "join_rule", "history_visibility",
    "guest_access", "room_version", "creator", "predecessor", "ban", "kick", "redact", "users",
    "users_default", "events_default", "state_default", "notifications", "reason", "visibility",
    "room_alias_name", "invite_3pid", "creation_content", "initial_state", "preset", "is_direct",
    "power_level_content_override", "servers", "chunk", "start", "end", "errcode", "error",
    "retry_after_ms", "soft_logout", "flows", "stages", "session", "params", "completed",
    "identifier", "user", "medium", "address", "password", "token", "refresh_token",
    "expires_in_ms", "initial_device_display_name", "access_token", "home_server", "well_known",
    "m.homeserver", "m.identity_server", "base_url", "versions", "unstable_features",
    "capabilities", "filter", "room", "lazy_load_members", "include_leave", "not_types",
    "types", "senders", "not_senders", "limit", "timeout", "display_name", "devices",
    "last_seen_ip", "last_seen_ts", "global", "override", "underride", "postcontent",
    "actions", "conditions", "default", "enabled", "kind", "key", "pattern", "rule_id",
    "set_tweak", "value", "is", "hashes", "depth", "prev_events", "auth_events", "origin",
    "prev_state", "pdus", "edus", "edu_type", "destination", "origin_server_ts_ms", "m.upload.size",
    "content_uri", "joined", "joined_rooms", "m.direct", "via", "order", "suggested",
    "recent_rooms", "third_party_invite", "peek", "room_alias", "m.new_content",
    "m.relations", "m.thread", "latest_event", "count", "current_user_participated",
    "key_counts", "usage", "master_key", "self_signing_key", "user_signing_key", "verify_keys",
    "old_verify_keys", "valid_until_ts", "server_name", "m.server", "m.change_password",
    "m.room_versions", "m.set_displayname", "m.set_avatar_url", "m.3pid_changes",
    "m.get_login_token", "available", "auth_chain", "auth_chain_ids", "pdu_ids", "event",
    "members_only_third_party_invite", "num_joined_members", "world_readable", "guest_can_join",
    "canonical_alias", "join_rules", "room_type", "total_room_count_estimate", "next_token",
    "prev_token", "results", "results_html", "highlights", "rank", "context", "profile_info",
    "redacted_by", "historical", "m.topic", "fallback", "msc4354_sticky",
)
