"""``python -m api.cli``: run the ``shudao`` command line without the console script."""

from __future__ import annotations

from api.cli import main

if __name__ == "__main__":
    main()
