"""Run every benchmark module in this package: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("_"):
            continue
        print(f"== bench.{module.name}", flush=True)
        importlib.import_module(f"bench.{module.name}").main(sys.argv[1:])


if __name__ == "__main__":
    main()
