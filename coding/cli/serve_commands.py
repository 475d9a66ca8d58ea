"""``coding serve``: the browser workspace over the project."""

from __future__ import annotations

import secrets
import threading
import webbrowser

import click

from . import cli, pass_state


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs a token (given or generated).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--coder", help="Your coder name, used until you name yourself in the browser.")
@click.option("--token", help="The token browsers and programs must give (non-loopback hosts; generated if not given).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@pass_state
def serve(state, host, port, coder, token, no_browser):
    """Serve the workspace in the browser: read, code, review, search, tables, agreement.

    Example: coding --project eval.db serve --coder anna
    """
    import uvicorn

    from ..web import create_app
    from ..web.security import is_loopback

    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    app = create_app(state.path, host=host, token=token, coder=coder)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/"
    if token:
        address += f"?token={token}"
    click.echo(f"coding workspace on {address}  (Ctrl-C stops it)", err=True)
    if token:
        click.echo(f"token: {token}  (programs: 'Authorization: Bearer {token}')", err=True)
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, (address,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=3)
