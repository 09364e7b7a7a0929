"""Run every benchmark module in this package: each exposes ``main(argv) -> int``.

``python -m bench`` runs them all; ``python -m bench dashboard --scale 0.1`` runs one with
its own arguments. Modules added later are picked up without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not module.name.startswith("_")
    )
    if argv and argv[0] in names:
        names, argv = [argv[0]], argv[1:]
    failures = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"== bench.{name}", flush=True)
        failures += 1 if run(argv) else 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
