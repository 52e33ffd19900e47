"""Run the app under gunicorn from the ``kentongan serve`` command."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from gateway.app import create_app
from gateway.migrate import require_current_schema
from gateway.runtime import database_url
from gateway.scheduler import start_scheduler


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def run_server(host: str, port: int, threads: int) -> None:
    """Serve until interrupted; one process keeps in-process workers simple.

    The periodic jobs start in the worker process, after gunicorn forks it.
    """
    app = create_app()
    require_current_schema(database_url(app.config, app.instance_path))

    def start_jobs(worker: Any) -> None:
        start_scheduler(app)

    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "threads": threads,
        "accesslog": "-",
        "post_worker_init": start_jobs,
    }
    _Server(app, options).run()
