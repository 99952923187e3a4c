"""`shop-users`: the service's command line (Flask's, plus `create-staff`).

    shop-users db upgrade                        apply migrations
    shop-users create-staff admin admin@shop.test --password-stdin
    shop-users create-staff admin admin@shop.test --generate-password --if-missing
"""

from __future__ import annotations

import secrets
import sys

import click
import marshmallow as ma
from flask import Flask
from flask.cli import FlaskGroup

from shop_common.errors import Problem
from users.schemas import RegisterSchema


def register_commands(app: Flask) -> None:
    @app.cli.command("create-staff")
    @click.argument("username")
    @click.argument("email")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @click.option("--generate-password", is_flag=True, help="Make a strong password and print it.")
    @click.option("--if-missing", is_flag=True, help="Do nothing if the username exists already.")
    def create_staff(username: str, email: str, password_stdin: bool, generate_password: bool,
                     if_missing: bool) -> None:
        """Create a staff account, or make an existing one staff with a new password."""
        from users import service

        if if_missing and service.find_by_login(username) is not None:
            click.echo(f"staff account {username!r} exists already; nothing changed")
            return
        if generate_password:
            password = secrets.token_urlsafe(15)
        elif password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            data = RegisterSchema().load({"username": username, "email": email, "password": password})
        except ma.ValidationError as exc:
            raise click.ClickException(f"invalid account: {exc.messages}") from None
        try:
            user, created = service.create_staff(data)
        except Problem as exc:
            raise click.ClickException(exc.detail or exc.problem_code) from None
        click.echo(f"staff account {user.username!r} (id {user.id}) {'created' if created else 'updated'}")
        if generate_password:
            click.echo(f"password: {password}")


def _create_app():
    from users import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help=__doc__)
