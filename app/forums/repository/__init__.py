"""Every query of the forums domain, one module per subject; each read named by what it
returns, each write by what it does.

Lists are ONE statement whatever the page size. Statements on the hot paths (a thread's page,
a reply, the access check they start with) are built once at import, per kind of reader,
with the reader as bound parameters (`audience.READER_ID`). Who may read what is stated once,
in `audience`. Members (names, handles, standing, roles) are identity's: read here only
through identity's `member_rows`, never its table.
"""

from app.forums.repository.flags import (
    action_open_flags,
    flag_for_update,
    flags_page,
    open_flag_id,
)
from app.forums.repository.following import (
    add_forum_follow,
    advance_read_marker,
    auto_follow_setting,
    delete_forum_follow,
    follower_ids_reading_forum,
    mark_threads_read,
    save_auto_follow,
    save_thread_following,
    unread_count,
)
from app.forums.repository.forums import (
    forum_by_id,
    forum_for_update,
    forum_readable,
    forums_page,
    group_audience,
    readable_forum,
)
from app.forums.repository.groups import (
    add_member,
    explicit_members,
    group_by_id,
    group_id_named,
    group_with_member_count,
    groups_with_member_counts,
    known_region,
    region_of_authority,
    remove_member,
)
from app.forums.repository.members import (
    author_card,
    member_ids_by_handle_reading_forum,
    member_ids_reading_forum,
    mentionable_members,
    poster_profile,
)
from app.forums.repository.posts import (
    first_post_id,
    insert_post,
    post_access_row,
    post_authors,
    post_facts,
    post_seq_in_thread,
    posts_page,
    revisions_of_post,
)
from app.forums.repository.search import MARK_START, MARK_STOP, best_post_per_thread
from app.forums.repository.threads import (
    followed_threads_page,
    forum_id_of_thread,
    forum_of_thread,
    readable_thread,
    thread_access_row,
    thread_by_id,
    thread_readable,
    threads_page,
)

__all__ = [
    "MARK_START",
    "MARK_STOP",
    "action_open_flags",
    "add_forum_follow",
    "add_member",
    "advance_read_marker",
    "author_card",
    "auto_follow_setting",
    "best_post_per_thread",
    "delete_forum_follow",
    "explicit_members",
    "first_post_id",
    "flag_for_update",
    "flags_page",
    "followed_threads_page",
    "follower_ids_reading_forum",
    "forum_by_id",
    "forum_for_update",
    "forum_id_of_thread",
    "forum_of_thread",
    "forum_readable",
    "forums_page",
    "group_audience",
    "group_by_id",
    "group_id_named",
    "group_with_member_count",
    "groups_with_member_counts",
    "insert_post",
    "known_region",
    "mark_threads_read",
    "member_ids_by_handle_reading_forum",
    "member_ids_reading_forum",
    "mentionable_members",
    "open_flag_id",
    "post_access_row",
    "post_authors",
    "post_facts",
    "post_seq_in_thread",
    "poster_profile",
    "posts_page",
    "readable_forum",
    "readable_thread",
    "region_of_authority",
    "remove_member",
    "revisions_of_post",
    "save_auto_follow",
    "save_thread_following",
    "thread_access_row",
    "thread_by_id",
    "thread_readable",
    "threads_page",
    "unread_count",
]
