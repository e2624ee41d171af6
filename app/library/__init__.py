"""The library: national laws, treaties, model tools, manuals and forms, with revisions."""
