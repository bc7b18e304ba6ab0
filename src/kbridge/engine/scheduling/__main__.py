"""``python -m kbridge.engine.scheduling`` is the same as ``kbridge-schedule``."""

from kbridge.engine.scheduling.cli import main

raise SystemExit(main())
