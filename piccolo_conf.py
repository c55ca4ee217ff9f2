"""Piccolo engine selection.

`DATABASE_URL` picks the engine: `postgresql://user:pass@host:port/db` for PostgreSQL,
`sqlite:///path/to/file.db` for another SQLite file. Unset, a SQLite file `suara.db` in the
working directory is used (WAL mode is switched on when the app starts).
"""

import os

from piccolo.conf.apps import AppRegistry

from feedback.engine import engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL", ""))

APP_REGISTRY = AppRegistry(apps=["feedback.piccolo_app"])
