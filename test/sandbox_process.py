"""``python -m sparkfly_client.sandbox`` in a process of its own, as a person starts it at the command line."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from typing import Dict, Iterator, List


@contextmanager
def sandbox_process(*arguments: str) -> Iterator[List[str]]:
    """A sandbox serving on a free port with ``arguments``: the lines it printed, up to its ``export`` line."""
    command = [sys.executable, "-m", "sparkfly_client.sandbox", "--port", "0", *arguments]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as served:
        try:
            assert served.stdout is not None
            lines: List[str] = []
            while not lines or not lines[-1].startswith("  export "):
                lines.append(served.stdout.readline())
                assert lines[-1], f"the sandbox exited before printing its export line: {lines}"
            yield lines
        finally:
            served.terminate()


def exported(lines: List[str]) -> Dict[str, str]:
    """The variables of the ``export`` line."""
    return dict(item.split("=", 1) for item in lines[-1].split()[1:])
