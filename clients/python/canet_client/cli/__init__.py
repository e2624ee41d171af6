"""The `canet-client` command line."""
