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
    certfile: Annotated[Path | None, typer.Option("--certfile", help="TLS certificate (PEM): serve HTTPS, with Secure cookies and HSTS.")] = None,
    keyfile: Annotated[Path | None, typer.Option("--keyfile", help="TLS private key (PEM) for --certfile.")] = None,
    https_proxy: Annotated[bool, typer.Option("--https-proxy", help="Behind an HTTPS reverse proxy on this machine: Secure cookies, HSTS, client addresses from X-Forwarded-For sent by 127.0.0.1 (docs/security.md).")] = False,
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
    if (certfile is None) != (keyfile is None):
        fail("--certfile and --keyfile go together")
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            fail(f"{path}: no such file")
    tls = certfile is not None or https_proxy
    try:
        password_hash = read_password_file(password_file) if password_file else None
        from antena.web import create_app

        allowed = None if is_loopback(host) else ["*"]
        application = create_app(folder, lang=lang, password_hash=password_hash, allowed_hosts=allowed, warm=True,
                                 tls=tls)
    except AntenaError as exc:
        fail(str(exc))
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if certfile else "http"
    console.print(f"Antena dashboard on {scheme}://{shown}:{port}/ ({'login required' if password_hash else 'no password'}); Ctrl+C stops it",
                  highlight=False, markup=False)
    tls_files = {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)} if certfile else {}
    uvicorn.run(application, host=host, port=port, log_level="warning", server_header=False,
                proxy_headers=https_proxy, forwarded_allow_ips="127.0.0.1" if https_proxy else None,
                access_log=False, **tls_files)


@app.command("serve-unlock")
def serve_unlock(
    folder: Annotated[Path, typer.Argument(help="The project folder whose dashboard locked sign-ins.")],
    address: Annotated[str | None, typer.Option("--address", help="Unlock only this client address (or '(account)'); default: all.")] = None,
    show: Annotated[bool, typer.Option("--list", help="Only list the locks.")] = False,
) -> None:
    """Lift the dashboard's sign-in lockouts (failed logins lock an address, or the account)."""
    from antena.web.throttle import read_locks, unlock

    if not (folder / "antena.toml").is_file():
        fail(f"{folder} is not an Antena project")
    if show:
        locks = read_locks(folder)
        for key, info in sorted(locks.items()):
            console.print(f"{key}: {info.get('failures')} failures", highlight=False, markup=False)
        if not locks:
            console.print("no locks")
        return
    lifted = unlock(folder, address)
    console.print(f"unlocked: {', '.join(lifted)}" if lifted else "nothing was locked", highlight=False, markup=False)
