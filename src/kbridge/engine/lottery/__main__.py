"""``python -m kbridge.engine.lottery`` is the same as ``kbridge-lottery``."""

from kbridge.engine.lottery.cli import main

raise SystemExit(main())
