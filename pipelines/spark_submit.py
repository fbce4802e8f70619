"""The `hub` command as a Spark application, for clusters that take work only through
`spark-submit` (YARN, Kubernetes, a standalone master in client mode):

    spark-submit --master yarn --deploy-mode client "$(hub-spark-app)" materialize

`spark-submit` runs a Python application from a file, so this file is that application; its
arguments are `hub`'s. The hub's own settings (`HUB_ENGINE=spark`, `HUB_SPARK_MASTER`) still
choose the engine, and the session `spark-submit` prepared is the one the hub's steps use.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    # Run as a file, this package's folder is first on sys.path, where its modules would
    # shadow libraries' of the same name: the hub is imported as installed instead.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    from catalog.cli import main as hub

    sys.argv[0] = "hub"
    hub()


def app_path() -> None:
    """`hub-spark-app`: print this file's path, for `spark-submit`'s command line."""
    print(Path(__file__).resolve())


if __name__ == "__main__":
    main()
