"""``antena serve``: the web dashboard to explore a project (read-only), on 127.0.0.1 by default."""

from __future__ import annotations

import getpass
import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from antena.cli.app import app, console, fail
from antena.errors import AntenaError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            fail("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@app.command()
def serve(
    folder: Annotated[Path | None, typer.Argument(help="The project folder (made by `antena init`).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on. Other than loopback needs --password-file.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    lang: Annotated[str, typer.Option(help="Dashboard language: es or en.")] = "es",
    password_file: Annotated[Path | None, typer.Option("--password-file", help="File holding an argon2 hash (see --hash-password): every page then needs a login.")] = None,
    hash_password: Annotated[bool, typer.Option("--hash-password", help="Read a password on stdin, print its argon2 hash for --password-file, and exit.")] = False,
) -> None:
    """Serve the dashboard: overview, posts explorer, targets, topics, campaign impact, quarantine."""
    from antena.web.security import hash_password as make_hash
    from antena.web.security import read_password_file

    if hash_password:
        try:
            sys.stdout.write(make_hash(_read_password()) + "\n")
        except AntenaError as exc:
            fail(str(exc))
        return
    if folder is None:
        fail("give the project folder: antena serve DIR")
    if lang not in ("es", "en"):
        fail("--lang must be es or en")
    if not is_loopback(host) and password_file is None:
        fail(f"refusing to serve {host} (reachable by other machines) without --password-file")
    try:
        password_hash = read_password_file(password_file) if password_file else None
        from antena.web import create_app

        allowed = None if is_loopback(host) else ["*"]
        application = create_app(folder, lang=lang, password_hash=password_hash, allowed_hosts=allowed, warm=True)
    except AntenaError as exc:
        fail(str(exc))
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    console.print(f"Antena dashboard on http://{shown}:{port}/ ({'login required' if password_hash else 'no password'}); Ctrl+C stops it",
                  highlight=False, markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False,
                access_log=False)
