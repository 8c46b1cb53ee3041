"""``vric serve``: the analysts' workbench (pipeline.web) served by uvicorn."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click

from pipeline.cli.common import get_config, run_guarded
from pipeline.logs import setup_logging


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--behind-proxy", is_flag=True,
    help="A reverse proxy terminates TLS: trust its X-Forwarded-Proto and X-Forwarded-For.",
)  # fmt: skip
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Serve https with this certificate (PEM); needs --tls-key.")  # fmt: skip
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The certificate's private key (PEM).")  # fmt: skip
@click.option(
    "--bundle-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("bundles"),
    show_default=True, help="Where the Build button writes PERIOD/ (as `vric bundle --out`).",
)  # fmt: skip
@click.option("--idle-minutes", default=120, show_default=True, type=click.IntRange(1),
              help="A session ends after this long without a request.")  # fmt: skip
@click.option("--session-hours", default=12, show_default=True, type=click.IntRange(1),
              help="A session ends this long after login, however active.")  # fmt: skip
@click.option("--log-json", is_flag=True, help="One JSON object per log line (as vric --log-json).")
def serve_command(
    host: str, port: int, behind_proxy: bool, tls_cert: Path | None, tls_key: Path | None,
    bundle_dir: Path, idle_minutes: int, session_hours: int, log_json: bool,
) -> None:  # fmt: skip
    """Serve the review workbench over the configured database.

    Log in with an account made by `vric users add NAME --role analyst`.
    Listens on 127.0.0.1:8080 by default; on any other address put it behind
    a TLS proxy (--behind-proxy) or give --tls-cert/--tls-key: session
    cookies must not cross a network in clear. SIGTERM or SIGINT finishes
    the requests in flight and exits 0.
    """
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    from datetime import timedelta

    import uvicorn

    from pipeline.ingest.runtime import open_store
    from pipeline.web.app import WebOptions, create_app
    from pipeline.web.security import Expiry, is_loopback

    root = click.get_current_context().find_root().params
    level = min(logging.getLogger().level or logging.INFO, logging.INFO)
    setup_logging(level, json_lines=log_json or bool(root.get("log_json")))
    log = logging.getLogger("pipeline.web")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # /healthz checks the schema
    if not is_loopback(host) and not behind_proxy and not tls_cert:
        log.warning(
            "serving on a non-loopback address without TLS: passwords and session "
            "cookies cross the network in clear; use --behind-proxy or --tls-cert",
            extra={"host": host},
        )
    config = get_config()
    store = run_guarded(lambda: open_store(config.settings, mode="write"))
    options = WebOptions(
        behind_proxy=behind_proxy,
        expiry=Expiry(timedelta(minutes=idle_minutes), timedelta(hours=session_hours)),
        bundle_dir=bundle_dir,
    )
    app = create_app(store, config, options)
    threading.Thread(target=app.state.workbench.warm, daemon=True, name="meter-warm").start()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=False,  # our own access log
            proxy_headers=False, server_header=False, timeout_graceful_shutdown=20,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
        )
    )  # fmt: skip
    scheme = "https" if tls_cert else "http"
    log.info("workbench listening", extra={"url": f"{scheme}://{host}:{port}/"})
    # uvicorn catches SIGTERM/SIGINT (stop accepting, finish the requests in flight) and
    # then re-raises the signal to the handler it found: ours only notes it, so the stop
    # is an exit 0 as for the daemon, not a death by signal.
    stopped_by: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: stopped_by.append(signum))
    try:
        server.run()
    finally:
        store.close()
    log.info("workbench stopped", extra={"signal": stopped_by[0] if stopped_by else None})
