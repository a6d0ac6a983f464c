"""`python -m memem` is the `memem` command."""

import sys

from memem.cli.main import main

sys.exit(main())
