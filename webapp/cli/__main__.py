"""`python -m webapp.cli`: the `mashangban` command, for child processes and tests."""

import sys

from webapp.cli.main import main

sys.exit(main())
