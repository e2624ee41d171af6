"""Who passes the role-level check of each forum route (forum audiences decide the rest).

Auditors hold no forum permission at all (separation of duties): every route refuses them.
"""

_READERS = {"admin", "moderator", "officer", "liaison_magistrate"}
_POSTERS = {"admin", "moderator", "officer", "liaison_magistrate"}
_MANAGERS = {"admin", "moderator"}
_MODERATORS = {"moderator"}

ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/forums"): _READERS,
    ("POST", "/api/v1/forums"): _MANAGERS,
    ("POST", "/api/v1/forums/read"): _READERS,
    ("GET", "/api/v1/forums/{forum_id}"): _READERS,
    ("PATCH", "/api/v1/forums/{forum_id}"): _MANAGERS,
    ("GET", "/api/v1/forums/{forum_id}/threads"): _READERS,
    ("POST", "/api/v1/forums/{forum_id}/threads"): _POSTERS,
    ("PUT", "/api/v1/forums/{forum_id}/follow"): _READERS,
    ("DELETE", "/api/v1/forums/{forum_id}/follow"): _READERS,
    ("POST", "/api/v1/forums/{forum_id}/read"): _READERS,
    ("POST", "/api/v1/forums/{forum_id}/preview"): _POSTERS,
    ("GET", "/api/v1/forums/{forum_id}/mentionable"): _POSTERS,
    ("GET", "/api/v1/me/forum-settings"): _READERS,
    ("PUT", "/api/v1/me/forum-settings"): _READERS,
    ("GET", "/api/v1/me/followed-threads"): _READERS,
    ("GET", "/api/v1/groups"): _MANAGERS,
    ("POST", "/api/v1/groups"): _MANAGERS,
    ("GET", "/api/v1/groups/{group_id}"): _MANAGERS,
    ("GET", "/api/v1/groups/{group_id}/members"): _MANAGERS,
    ("PUT", "/api/v1/groups/{group_id}/members/{user_id}"): _MANAGERS,
    ("DELETE", "/api/v1/groups/{group_id}/members/{user_id}"): _MANAGERS,
    ("GET", "/api/v1/threads/{thread_id}"): _READERS,
    ("GET", "/api/v1/threads/{thread_id}/posts"): _READERS,
    ("POST", "/api/v1/threads/{thread_id}/posts"): _POSTERS,
    ("PUT", "/api/v1/threads/{thread_id}/follow"): _READERS,
    ("DELETE", "/api/v1/threads/{thread_id}/follow"): _READERS,
    ("PUT", "/api/v1/threads/{thread_id}/read"): _READERS,
    ("POST", "/api/v1/threads/{thread_id}/lock"): _MODERATORS,
    ("POST", "/api/v1/threads/{thread_id}/unlock"): _MODERATORS,
    ("POST", "/api/v1/threads/{thread_id}/pin"): _MODERATORS,
    ("POST", "/api/v1/threads/{thread_id}/unpin"): _MODERATORS,
    ("POST", "/api/v1/threads/{thread_id}/move"): _MODERATORS,
    ("GET", "/api/v1/posts/{post_id}"): _READERS,
    # the author or a moderator (object-level)
    ("PATCH", "/api/v1/posts/{post_id}"): _POSTERS,
    # the author only (object-level)
    ("DELETE", "/api/v1/posts/{post_id}"): _POSTERS,
    # the author or a moderator (object-level)
    ("GET", "/api/v1/posts/{post_id}/revisions"): _READERS,
    ("POST", "/api/v1/posts/{post_id}/hide"): _MODERATORS,
    ("POST", "/api/v1/posts/{post_id}/unhide"): _MODERATORS,
    ("POST", "/api/v1/posts/{post_id}/flags"): _READERS,
    ("GET", "/api/v1/moderation/flags"): _MODERATORS,
    ("POST", "/api/v1/moderation/flags/{flag_id}/resolve"): _MODERATORS,
}
