"""``ketacare clinic|user|token``: set up clinics, staff accounts and API tokens."""

from __future__ import annotations

import json
import sys

import typer

from ketacare.accounts import api_tokens, service
from ketacare.accounts.rules import ROLES
from ketacare.cli.common import database, fail, load_settings, stderr
from ketacare.kit.actor import Actor
from ketacare.kit.errors import InvalidInput, NotFound

clinic_app = typer.Typer(help="Clinics.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)

_CLI = Actor.system("cli")


@clinic_app.command("create")
def create_clinic(
    name: str = typer.Option(..., help="Clinic name, e.g. 'Riverside Ketamine Clinic'"),
    slug: str = typer.Option(..., help="Short id: 3-60 lower-case letters, digits, dashes"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Create a clinic."""
    settings = load_settings()
    try:
        with database(settings) as session:
            clinic = service.create_clinic(session, _CLI, name, slug)
            result = {"id": str(clinic.id), "name": clinic.name, "slug": clinic.slug}
    except InvalidInput as invalid:
        fail(str(invalid))
    typer.echo(
        json.dumps(result) if as_json else f"created clinic {result['slug']} ({result['id']})"
    )


@user_app.command("create")
def create_user(
    email: str = typer.Option(..., help="Login e-mail"),
    role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}"),
    clinic: str = typer.Option(..., help="Clinic slug"),
    name: str = typer.Option("", help="Full name (defaults to the e-mail)"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Create a staff account. The password is read from standard input (first line)."""
    if sys.stdin.isatty():
        stderr.print("password: ", end="")
    password = sys.stdin.readline().rstrip("\r\n")
    settings = load_settings()
    try:
        with database(settings) as session:
            user = service.create_user(
                session,
                settings,
                _CLI,
                service.clinic_by_slug(session, clinic),
                email=email,
                full_name=name or email,
                role=role,
                password=password,
            )
            result = {"id": str(user.id), "email": user.email, "role": user.role, "clinic": clinic}
    except (InvalidInput, NotFound) as error:
        fail(str(error))
    typer.echo(json.dumps(result) if as_json else f"created {result['role']} {result['email']}")


@token_app.command("create")
def create_token(
    email: str = typer.Option(..., help="The account the token acts as"),
    name: str = typer.Option("command line", help="What the token is for"),
) -> None:
    """Create a personal API token and print it once to stdout. Only its hash is stored."""
    settings = load_settings()
    try:
        with database(settings) as session:
            user = service.user_by_email(session, email)
            _, raw = api_tokens.create_api_token(session, settings, user, name, _CLI)
    except (InvalidInput, NotFound) as error:
        fail(str(error))
    stderr.print("Store this token now; it cannot be shown again.")
    typer.echo(raw)
