"""``python -m kbridge.engine.assignment`` is the same as ``kbridge-assign``."""

from .cli import main

raise SystemExit(main())
