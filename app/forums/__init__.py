"""Threaded forums: forums, groups, threads, posts, follows, read state, moderation."""
