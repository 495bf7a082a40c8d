"""The second process of an import (``feeds.pipeline._Preparer``).

A spawned process reads this module before Django is set up, to start itself: so nothing
here imports Django, models or the pipeline at the module's top.
"""

import gc
import os
import threading
import time
from typing import Any

PARENT_CHECK_SECONDS = 0.5


def start(
    settings_module: str, database: dict[str, Any], gc_threshold: tuple[int, ...], parent: int
) -> None:
    """Set Django up as the importing process has it, on its database (a test database,
    say), collecting garbage as seldom as the import does; end with the importing process,
    even when it is killed (its connection would hold the database open)."""
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict.update(database)
    gc.freeze()
    gc.set_threshold(*gc_threshold)


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # the importing process is gone: nobody waits for this one's work


def look_up(*args: Any) -> Any:
    """Match one batch against the index (``feeds.pipeline.look_up_beside``)."""
    from feeds.pipeline import look_up_beside

    return look_up_beside(*args)
