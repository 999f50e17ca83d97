"""The ``calendar-svc`` command line (DESIGN.md section 4).

A thin :class:`flask.cli.FlaskGroup`: commands parse options, open a session,
call the domain and print. A :class:`~calendar_svc.errors.CalendarSvcError`
becomes one line on stderr and exit status 1; usage errors exit with 2. This
module is also where the wall clock is read (``--now`` overrides it).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask.cli import AppGroup, FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy.exc import OperationalError

from calendar_svc.errors import CalendarSvcError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models import Section


class _Group(FlaskGroup):
    """Turns the errors a user can fix into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CalendarSvcError as exc:
            raise click.ClickException(str(exc)) from exc
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else "unreachable"
            raise click.ClickException(f"database error: {reason}") from exc


def _create_app() -> Any:
    from calendar_svc.app import create_app

    return create_app()


def _use_database(ctx: click.Context, _param: click.Parameter, url: str | None) -> None:
    # Runs while the options are parsed, before the app is loaded.
    if url:
        from calendar_svc.app import create_app

        info = ctx.ensure_object(ScriptInfo)
        info.create_app = functools.partial(create_app, {"database": {"url": url}})


@click.group(cls=_Group, create_app=_create_app, add_default_commands=False, load_dotenv=False)
@click.option(
    "--db",
    metavar="URL",
    callback=_use_database,
    expose_value=False,
    is_eager=True,
    help="Database URL (default: CALENDAR_SVC_DATABASE_URL, else SQLite in the instance folder).",
)
def main() -> None:
    """calendar-svc: the calendar of the EU's external migration dialogues."""


def now_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--now`` (or ``CALENDAR_SVC_NOW``): the moment the command acts as of."""

    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime:
        if value is None:
            return dt.datetime.now(dt.UTC)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or an ISO datetime") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    return click.option(
        "--now",
        envvar="CALENDAR_SVC_NOW",
        callback=parse,
        metavar="YYYY-MM-DD",
        help="Act as of this day (default: now; env CALENDAR_SVC_NOW).",
    )(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from calendar_svc.app import services
    from models.migrate import pending_revisions, upgrade

    engine = services().engine
    pending = pending_revisions(engine)
    upgrade(engine)
    click.echo(f"database schema up to date ({len(pending)} migration(s) applied)")


@click.command("ingest")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--symbol", help="Council document symbol, for a file whose header has none.")
@click.option(
    "--date",
    "document_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date of the note (YYYY-MM-DD), for a file whose header has none.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--replace", is_flag=True, help="Accept a corrected re-issue of an imported symbol.")
@now_option
def ingest(
    path: Path,
    symbol: str | None,
    document_date: dt.datetime | None,
    dry_run: bool,
    replace: bool,
    now: dt.datetime,
) -> None:
    """Import a version of the note and print what changed."""
    from calendar_svc.app import get_session, services
    from calendar_svc.ingest.importer import import_note, load_note
    from calendar_svc.ingest.report import render
    from calendar_svc.ingest.source import read_source

    source = read_source(path, max_bytes=services().settings.ingest.max_bytes)
    note = load_note(source)
    session = get_session()
    with session.begin():
        report = import_note(
            session,
            source,
            note,
            now=now,
            symbol=symbol,
            document_date=document_date.date() if document_date else None,
            replace=replace,
        )
        if dry_run:
            session.rollback()
    click.echo(render(report, dry_run=dry_run), nl=False)


@click.command("export")
@with_appcontext
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "ics"]),
    default="json",
    show_default=True,
)
@click.option(
    "--section", "section_key", metavar="SLUG", help="Only this section (slug or ISO code)."
)
@now_option
def export(fmt: str, section_key: str | None, now: dt.datetime) -> None:
    """Write every event to stdout (DESIGN.md section 4), or the ICS feed (section 5)."""
    from calendar_svc.app import get_session, services
    from calendar_svc.export import export_records, to_csv, to_json

    session = get_session()
    section = _section(session, section_key) if section_key else None
    if fmt == "ics":
        from feeds.feed import render_feed
        from feeds.scopes import FeedQuery, everything, section_scope

        scope = section_scope(session, section.slug) if section else everything()
        feed = render_feed(
            session, scope, FeedQuery(), today=now.date(), settings=services().feed_settings
        )
        click.get_binary_stream("stdout").write(feed.body)
        return
    records = export_records(session, section=section)
    click.echo(to_json(records) if fmt == "json" else to_csv(records), nl=False)


@click.command("agenda")
@with_appcontext
@now_option
@click.option("--weeks", default=6, show_default=True, help="How far ahead 'upcoming' looks.")
@click.option(
    "--section", "section_keys", multiple=True, metavar="SLUG", help="Only these sections."
)
def agenda(now: dt.datetime, weeks: int, section_keys: tuple[str, ...]) -> None:
    """Print upcoming, awaiting-confirmation and overdue-tbc events as of a day."""
    from calendar_svc.agenda import render_agenda
    from calendar_svc.app import get_session
    from models.agenda import build_agenda

    session = get_session()
    section_ids = [_section(session, key).id for key in section_keys] or None
    result = build_agenda(session, today=now.date(), weeks=weeks, section_ids=section_ids)
    click.echo(render_agenda(result, weeks=weeks), nl=False)


@click.command("serve")
@with_appcontext
@click.option("--host", help="Interface to listen on (default from [server] host).")
@click.option("--port", type=int, help="Port (default from [server] port).")
def serve(host: str | None, port: int | None) -> None:
    """Run the web app with the development server (one process)."""
    from flask import current_app

    from calendar_svc.app import services

    settings = services().settings.server
    current_app.run(host=host or settings.host, port=port or settings.port, use_reloader=False)


@click.command("check")
@with_appcontext
def check() -> None:
    """Report the service's health; exit 1 if something is wrong."""
    from calendar_svc.app import services
    from calendar_svc.health import database_facts

    facts = database_facts(services().engine)
    if facts["database"] == "unreachable":
        raise click.ClickException(f"database unreachable: {facts['reason']}")
    click.echo("database: reachable")
    if facts["pending_migrations"]:
        pending = ", ".join(facts["pending_migrations"])
        raise click.ClickException(f"migrations pending: {pending} (run calendar-svc init-db)")
    click.echo("migrations: up to date")


@click.group("subscribers")
def subscribers() -> None:
    """Add, list and remove subscribers; issue or revoke their feed tokens."""


@subscribers.command("add")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--section", "sections", multiple=True, metavar="SLUG", help="A section to follow.")
@click.option("--group", "groups", multiple=True, metavar="GROUP", help="A whole group.")
@click.option(
    "--category", "categories", multiple=True, metavar="CATEGORY", help="Only these categories."
)
@click.option("--all", "everything", is_flag=True, help="Follow every section.")
@now_option
def subscribers_add(
    email: str,
    name: str,
    sections: tuple[str, ...],
    groups: tuple[str, ...],
    categories: tuple[str, ...],
    everything: bool,
    now: dt.datetime,
) -> None:
    """Add a subscriber and what they follow."""
    from calendar_svc.app import get_session
    from calendar_svc.subscribers import add_subscriber, describe_scope

    session = get_session()
    with session.begin():
        subscriber = add_subscriber(
            session,
            email,
            now=now,
            name=name,
            sections=sections,
            groups=groups,
            categories=categories,
            everything=everything,
        )
        click.echo(f"added {subscriber.email}: {describe_scope(subscriber)}")


@subscribers.command("list")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def subscribers_list(fmt: str) -> None:
    """List subscribers, what they follow and how many live feed tokens they have."""
    import json

    from calendar_svc.app import get_session
    from calendar_svc.subscribers import all_subscribers, describe_scope, live_tokens

    rows = [
        {
            "email": s.email,
            "name": s.name,
            "everything": s.is_following_everything,
            "sections": [section.slug for section in s.sections],
            "groups": [g.group.value for g in s.groups],
            "categories": [c.category.value for c in s.categories],
            "scope": describe_scope(s),
            "live_tokens": len(live_tokens(s)),
        }
        for s in all_subscribers(get_session())
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        click.echo(f"{row['email']}\t{row['name']}\t{row['scope']}\ttokens: {row['live_tokens']}")


@subscribers.command("remove")
@with_appcontext
@click.argument("email")
def subscribers_remove(email: str) -> None:
    """Remove a subscriber (their tokens stop working at once)."""
    from calendar_svc.app import get_session
    from calendar_svc.subscribers import remove_subscriber

    session = get_session()
    with session.begin():
        remove_subscriber(session, email)
    click.echo(f"removed {email}")


@subscribers.command("token")
@with_appcontext
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Revoke every token and issue none.")
@click.option("--keep-others", is_flag=True, help="Keep the tokens issued before.")
@now_option
def subscribers_token(email: str, revoke: bool, keep_others: bool, now: dt.datetime) -> None:
    """Issue a new feed token (revoking the others) and print the feed links."""
    from calendar_svc.app import get_session, services
    from calendar_svc.subscribers import HOW_TO_SUBSCRIBE, feed_links, find_subscriber
    from feeds.tokens import issue_token, revoke_tokens

    session = get_session()
    with session.begin():
        subscriber = find_subscriber(session, email)
        revoked = 0 if keep_others else revoke_tokens(session, subscriber, now=now)
        if revoke:
            click.echo(f"revoked {revoked} token(s) of {subscriber.email}")
            return
        token = issue_token(session, subscriber, now=now)
    click.echo(f"New feed token for {subscriber.email} ({revoked} earlier token(s) revoked):")
    click.echo(f"  {token}")
    click.echo("Keep these links private: they open a LIMITE calendar to anyone who has them.")
    for link in feed_links(services().settings.base_url, token, subscriber):
        click.echo(f"\n{link.label}:\n  {link.https}\n  {link.webcal}")
    click.echo("\nTo subscribe:")
    for line in HOW_TO_SUBSCRIBE:
        click.echo(f"  {line}")


def _section(session: Session, key: str) -> Section:
    from calendar_svc.subscribers import find_section

    return find_section(session, key)


COMMANDS = (init_db, ingest, export, agenda, serve, check, subscribers)


def register_commands(group: AppGroup) -> None:
    """Make the commands available as ``flask --app calendar_svc <command>`` too."""
    for command in COMMANDS:
        if command.name not in group.commands:
            group.add_command(command)


for _command in COMMANDS:
    main.add_command(_command)
