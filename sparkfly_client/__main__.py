"""``python -m sparkfly_client bulk ...``: the bulk tool (``sparkfly_client.bulk.cli``; see docs/Bulk.md)."""

from __future__ import annotations

import sys
from typing import List, Optional

USAGE = "usage: python -m sparkfly_client bulk {issue,void,export,status} ...  (bulk --help for more)"


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["bulk"]:
        from sparkfly_client.bulk.cli import main as bulk_main

        return bulk_main(args[1:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
