"""`python -m canet_client ...` is the `canet-client` command."""

from canet_client.cli.main import main

raise SystemExit(main())
