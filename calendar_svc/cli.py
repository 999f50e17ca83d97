"""The ``calendar-svc`` command line (DESIGN.md section 4).

A thin :class:`flask.cli.FlaskGroup`: commands parse options, open a session,
call the domain and print. A :class:`~calendar_svc.errors.CalendarSvcError`
becomes one line on stderr and exit status 1; usage errors exit with 2. This
module is also where the wall clock is read (``--now`` overrides it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy.exc import OperationalError

from calendar_svc.errors import CalendarSvcError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from models import Section
    from notifications.jobs import PassReport
    from notifications.ledger import Waiting


class _Group(FlaskGroup):
    """Turns the errors a user can fix into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CalendarSvcError as exc:
            from models.text import one_line

            # One line, whatever a file name or a stored title held.
            raise click.ClickException(one_line(str(exc))) from exc
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
        # Rules count days from it (a reminder 14 days ahead, a digest's week):
        # kept within the dates calendar-svc keeps, that never overflows.
        from models.window import Window, out_of_bounds

        if problem := out_of_bounds(Window(moment.date(), moment.date())):
            raise click.BadParameter(problem)
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
    from calendar_svc.extensions import services
    from models.migrate import pending_revisions, upgrade

    engine = services().engine
    pending = pending_revisions(engine)
    upgrade(engine)
    click.echo(f"database schema up to date ({len(pending)} migration(s) applied)")
    if SERIES_REVISION in pending:
        from sqlalchemy.orm import Session

        from models.series import place_stored_events

        with Session(engine) as session, session.begin():
            placed = place_stored_events(session, now=services().clock())
        if placed:
            click.echo(f"{placed} stored event(s) put in their series (docs/series.md)")


#: The migration that creates series: the events stored before it are placed once.
SERIES_REVISION = "0010"


@click.command("ingest")
@with_appcontext
@click.argument(
    "paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
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
    paths: tuple[Path, ...],
    symbol: str | None,
    document_date: dt.datetime | None,
    dry_run: bool,
    replace: bool,
    now: dt.datetime,
) -> None:
    """Import versions of the note (text, PDF or Word) and print what changed.

    Several files are read first, then imported oldest first by the date in
    their header, each in a transaction of its own (with --dry-run, all in one
    that is rolled back).
    """
    from calendar_svc.extensions import get_writer_session, services
    from calendar_svc.ingest.importer import import_note
    from calendar_svc.ingest.report import render
    from calendar_svc.ingest.source import load_note, read_source

    if len(paths) > 1 and (symbol or document_date):
        raise click.UsageError("--symbol and --date complete the header of one file; give one PATH")
    limits = services().settings.ingest
    notes = []
    for path in paths:
        source = read_source(path, max_bytes=limits.max_bytes)
        with _ocr_progress(path) as progress:
            notes.append((source, load_note(source, max_pages=limits.max_pages, progress=progress)))
    notes.sort(key=lambda pair: pair[1].document_date or dt.date.max)
    session = get_writer_session()
    store = functools.partial(
        import_note,
        session,
        now=now,
        symbol=symbol,
        document_date=document_date.date() if document_date else None,
        replace=replace,
        review_below=limits.ocr_review_below,
    )
    if dry_run:
        with session.begin():
            for source, note in notes:
                report = store(source, note)
                click.echo(_printable(render(report, dry_run=True)), nl=False)
            session.rollback()
        return
    for source, note in notes:
        with session.begin():
            report = store(source, note)
        click.echo(_printable(render(report)), nl=False)


@contextlib.contextmanager
def _ocr_progress(path: Path) -> Iterator[Callable[[int, int], None]]:
    """A callback that shows a progress bar on stderr once a scan's pages are read by OCR."""
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(
                    stack.enter_context(
                        click.progressbar(
                            length=total,
                            label=f"{path}: reading a scan by OCR, page by page",
                            file=sys.stderr,
                        )
                    )
                )
            bars[0].update(done - bars[0].pos)

        yield progress


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
    from calendar_svc.events.export import export_records, to_csv, to_json
    from calendar_svc.extensions import get_session, services

    session = get_session()
    section = _section(session, section_key) if section_key else None
    if fmt == "ics":
        from feeds.feed import render_feed
        from feeds.scopes import FeedQuery, everything, section_scope

        scope = section_scope(session, section.slug) if section else everything()
        feed = render_feed(
            session, scope, FeedQuery(), today=now.date(), settings=services().feed_settings
        )
        sys.stdout.buffer.write(feed.body)
        return
    records = export_records(session, section=section)
    if fmt == "json":
        click.echo(to_json(records), nl=False)  # JSON escapes control characters itself
        return
    from models.text import printable

    # CSV's own line ends (CRLF) stay; a CR inside a field is quoted by csv.
    click.echo(printable(to_csv(records), keep="\t\n\r"), nl=False)


@click.command("agenda")
@with_appcontext
@now_option
@click.option("--weeks", default=6, show_default=True, help="How far ahead 'upcoming' looks.")
@click.option(
    "--section", "section_keys", multiple=True, metavar="SLUG", help="Only these sections."
)
def agenda(now: dt.datetime, weeks: int, section_keys: tuple[str, ...]) -> None:
    """Print upcoming, awaiting-confirmation and overdue-tbc events as of a day."""
    from calendar_svc.events.agenda import render_agenda
    from calendar_svc.extensions import get_session
    from models import Event
    from models.agenda import build_agenda

    session = get_session()
    section_ids = [_section(session, key).id for key in section_keys]
    condition = Event.section_id.in_(section_ids) if section_ids else None
    result = build_agenda(session, today=now.date(), weeks=weeks, condition=condition)
    click.echo(_printable(render_agenda(result, weeks=weeks)), nl=False)


@click.command("series")
@with_appcontext
@click.option(
    "--section", "section_keys", multiple=True, metavar="SLUG", help="Only this section (repeat)."
)
@click.option(
    "--state", "state_text", default="", metavar="STATES", help="Only these states: late,stalled."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--all", "everything", is_flag=True, help="Also series of a single meeting.")
@now_option
def series(
    section_keys: tuple[str, ...], state_text: str, fmt: str, everything: bool, now: dt.datetime
) -> None:
    """Recurring bodies and their rhythm: which are scheduled, due, late or stalled."""
    import json

    from calendar_svc.events.series import (
        member_uids,
        parse_states,
        render_series,
        series_listing,
        series_record,
    )
    from calendar_svc.extensions import get_session, services

    try:
        states = parse_states(state_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--state") from None
    session = get_session()
    listing = series_listing(
        session,
        today=now.date(),
        settings=services().settings.series,
        sections=[_section(session, key) for key in section_keys],
        states=states,
        everything=everything,
    )
    if fmt == "json":
        uids = member_uids(session, listing)
        click.echo(json.dumps([series_record(listed, uids) for listed in listing], indent=2))
        return
    click.echo(_printable(render_series(listing, today=now.date())), nl=False)


@click.command("serve")
@with_appcontext
@click.option("--host", help="Interface to listen on (default from [server] host).")
@click.option("--port", type=int, help="Port (default from [server] port).")
def serve(host: str | None, port: int | None) -> None:
    """Run the web app with the development server (one process)."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from calendar_svc.extensions import services

    settings = services().settings.server
    # Not app.run(): under a Flask command line it returns at once, serving nothing.
    run_simple(
        host or settings.host,
        port or settings.port,
        current_app._get_current_object(),  # type: ignore[attr-defined]
        threaded=True,
    )


@click.command("check")
@with_appcontext
@now_option
def check(now: dt.datetime) -> None:
    """Report database, migrations, scheduler, mail and failed mails; exit 1 if any is wrong."""
    from calendar_svc.extensions import services
    from calendar_svc.ops.health import (
        database_facts,
        failed_mail_facts,
        mail_facts,
        scheduler_facts,
        waiting_mail_facts,
    )
    from notifications.mail import SmtpMailer

    engine = services().engine
    facts = database_facts(engine)
    if facts["database"] == "unreachable":
        raise click.ClickException(f"database unreachable: {facts['reason']}")
    click.echo("database: reachable")
    problems = []
    if facts["pending_migrations"]:
        pending = ", ".join(facts["pending_migrations"])
        click.echo(f"migrations: pending {pending} (run calendar-svc init-db)")
        raise click.ClickException(f"migrations pending: {pending} (run calendar-svc init-db)")
    click.echo("migrations: up to date")
    scheduler_state = scheduler_facts(engine, now=now)
    click.echo(f"scheduler: {scheduler_state['scheduler']}")
    if not scheduler_state["ok"]:
        problems.append("scheduler")
    mail = mail_facts(SmtpMailer(services().notifications.smtp))
    click.echo(_printable(f"mail: {mail['mail']}"))
    if mail["mismatch"]:
        click.echo(f"mail settings: {mail['mismatch']}")
    if not mail["ok"]:
        problems.append("mail")
    failed = failed_mail_facts(engine)
    click.echo(f"failed mails: {failed['failed_mails'] or 'none'}")
    if not failed["ok"]:
        problems.append("failed mails (calendar-svc reminders failed)")
    waiting = waiting_mail_facts(engine)
    if waiting["ok"]:
        click.echo("waiting to retry: none")
    for line in _waiting_lines(waiting["waiting"]):
        click.echo(f"waiting to retry: {line}")
    if not waiting["ok"]:
        problems.append("mails waiting to retry")
    if problems:
        raise click.ClickException("not healthy: " + ", ".join(problems))


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH, a new file; safe while the service runs and writes."""
    from calendar_svc.extensions import services
    from calendar_svc.ops.backup import back_up

    engine = services().engine
    size = back_up(engine, path)
    click.echo(f"backed up {engine.url.database} to {path} ({size:,} bytes)")


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
@click.option(
    "--remind",
    "firm_days",
    multiple=True,
    type=click.IntRange(min=1),
    metavar="DAYS",
    help="Remind this many days before a firm date (repeatable; default [reminders] firm_days).",
)
@click.option(
    "--tbc-lead",
    "tentative_days",
    type=click.IntRange(min=1),
    metavar="DAYS",
    help="Say a tbc window is unconfirmed this many days before it opens (default 30).",
)
@click.option("--no-reminders", is_flag=True, help="No reminder mails (digest only).")
@click.option("--no-digest", is_flag=True, help="No weekly digest.")
@now_option
def subscribers_add(
    email: str,
    name: str,
    sections: tuple[str, ...],
    groups: tuple[str, ...],
    categories: tuple[str, ...],
    everything: bool,
    firm_days: tuple[int, ...],
    tentative_days: int | None,
    no_reminders: bool,
    no_digest: bool,
    now: dt.datetime,
) -> None:
    """Add a subscriber, what they follow and which mails they get."""
    from calendar_svc.extensions import get_writer_session, services
    from calendar_svc.subscribers import add_subscriber, describe_scope

    defaults = services().settings.reminders
    session = get_writer_session()
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
            firm_days=firm_days or defaults.firm_days,
            tentative_days=tentative_days or defaults.tentative_days,
            reminders=not no_reminders,
            digest=not no_digest,
        )
        click.echo(f"added {subscriber.email}: {describe_scope(subscriber)}")


@subscribers.command("list")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def subscribers_list(fmt: str) -> None:
    """List subscribers, what they follow and how many live feed tokens they have."""
    import json

    from calendar_svc.extensions import get_session
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
            "reminders": s.wants_reminders,
            "remind_days": [d.days for d in reversed(s.lead_days)],
            "tbc_lead_days": s.tentative_lead_days,
            "digest": s.wants_digest,
            "live_tokens": len(live_tokens(s)),
        }
        for s in all_subscribers(get_session())
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        line = f"{row['email']}\t{row['name']}\t{row['scope']}\ttokens: {row['live_tokens']}"
        click.echo(_printable(line))


@subscribers.command("remove")
@with_appcontext
@click.argument("email")
def subscribers_remove(email: str) -> None:
    """Remove a subscriber (their tokens stop working at once)."""
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.subscribers import remove_subscriber

    session = get_writer_session()
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
    from calendar_svc.extensions import get_writer_session, services
    from calendar_svc.subscribers import HOW_TO_SUBSCRIBE, feed_links, find_subscriber
    from feeds.tokens import issue_token, revoke_tokens

    session = get_writer_session()
    with session.begin():
        subscriber = find_subscriber(session, email)
        revoked = 0 if keep_others else revoke_tokens(session, subscriber, now=now)
        if revoke:
            click.echo(f"revoked {revoked} token(s) of {subscriber.email}")
            return
        token = issue_token(session, subscriber, secret=services().secret, now=now)
    click.echo(f"New feed token for {subscriber.email} ({revoked} earlier token(s) revoked):")
    click.echo(f"  {token}")
    click.echo("Keep these links private: they open a LIMITE calendar to anyone who has them.")
    for link in feed_links(services().settings.base_url, token, subscriber):
        click.echo(f"\n{link.label}:\n  {link.https}\n  {link.webcal}")
    click.echo("\nTo subscribe:")
    for line in HOW_TO_SUBSCRIBE:
        click.echo(f"  {line}")


@click.group("reminders")
def reminders() -> None:
    """Reminder passes and failed mails."""


@reminders.command("run")
@with_appcontext
@now_option
@click.option("--dry-run", is_flag=True, help="Print what is due; record and send nothing.")
def reminders_run(now: dt.datetime, dry_run: bool) -> None:
    """One reminder pass: record what is due, send what is ready, then exit."""
    from calendar_svc.extensions import services
    from notifications.jobs import reminder_pass, runtime
    from notifications.shutdown import stop_on_signals

    stop_on_signals()
    with runtime(services().notifications) as rt:
        report = reminder_pass(
            rt.sessions, rt.mailer, now=now, settings=rt.settings, dry_run=dry_run
        )
        if dry_run:
            for due in report.due:
                click.echo(
                    f"{due.recipient}\t{due.rule.value}\t{due.due_date}\t{due.occurrence_key}"
                )
        _finish(report, rt.sessions)


@reminders.command("failed")
@with_appcontext
def reminders_failed() -> None:
    """List mails that failed their last attempt (exit 1 if there are any)."""
    from calendar_svc.extensions import get_session
    from models.text import one_line
    from notifications.ledger import failed_entries, waiting_to_retry

    entries = failed_entries(get_session())
    for entry in entries:
        click.echo(
            _printable(
                f"{entry.id}\t{entry.recipient}\t{entry.rule.value}\t{entry.due_date}"
                f"\tattempts {entry.attempts}\t{one_line(entry.last_error or '')}"
            )
        )
    # Not failed yet, but failing: their last error is the reason to act now.
    for line in _waiting_lines(waiting_to_retry(get_session())):
        click.echo(f"waiting to retry: {line}")
    if entries:
        raise click.ClickException(f"{len(entries)} mail(s) failed")
    click.echo("no failed mails")


@click.group("digest")
def digest() -> None:
    """The weekly digest: preview it, or send it now."""


@digest.command("preview")
@with_appcontext
@click.option("--subscriber", "email", required=True, help="Whose digest.")
@now_option
def digest_preview(email: str, now: dt.datetime) -> None:
    """Print a subscriber's digest (plain text) as of a day; send nothing."""
    from calendar_svc.extensions import get_session, services
    from calendar_svc.subscribers import find_subscriber
    from notifications.digest import build_digest, render_digest

    settings = services().notifications.settings
    subscriber = find_subscriber(get_session(), email)
    built = build_digest(
        get_session(), subscriber, now=now, schedule=settings.schedule, policy=settings.policy
    )
    subject, text, _html = render_digest(built, context=settings.context)
    click.echo(_printable(f"Subject: {subject}\n\n{text}"), nl=False)


@digest.command("send")
@with_appcontext
@click.option("--subscriber", "emails", multiple=True, help="Only these subscribers.")
@now_option
def digest_send(emails: tuple[str, ...], now: dt.datetime) -> None:
    """Send this week's digest (once per subscriber and week, whoever runs it)."""
    from calendar_svc.extensions import services
    from notifications.jobs import runtime, send_digests
    from notifications.shutdown import stop_on_signals

    stop_on_signals()
    with runtime(services().notifications) as rt:
        report = send_digests(rt.sessions, rt.mailer, now=now, settings=rt.settings, emails=emails)
        _finish(report, rt.sessions)


def _waiting_lines(waiting: Sequence[Waiting]) -> list[str]:
    """One line per last error of the mails waiting to retry: how many, when next, why."""
    from models.text import one_line

    return [
        _printable(
            f"{w.count} mail(s), attempt {w.attempts + 1} at"
            f" {w.next_attempt_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC; last error:"
            f" {one_line(w.error)}"
        )
        for w in waiting
    ]


def _printable(text: str) -> str:
    """``text`` for a terminal: each control character but TAB and LF as U+FFFD,
    line breaks as LF. Titles stored before imports refused control characters
    would otherwise act on it (ESC sequences, BEL, a CR overwriting the line)."""
    from models.text import readable

    return readable(text)


def _finish(report: PassReport, sessions: sessionmaker[Session]) -> None:
    """Print what a pass did, and why mails failed or wait to be retried.

    A pass stopped by SIGTERM exits 1 (the rest waits for the next); failing
    mails do not change the exit status (they are retried, or listed by
    ``reminders failed``).
    """
    from notifications.ledger import waiting_to_retry

    click.echo(str(report))
    for reason, count in report.failures.items():
        click.echo(_printable(f"failed ({count} mail(s), calendar-svc reminders failed): {reason}"))
    with sessions() as session:
        waiting = waiting_to_retry(session)
    for line in _waiting_lines(waiting):
        click.echo(f"waiting to retry: {line}")
    if report.given_back:
        raise click.ClickException("stopped by a signal before the pass was done")


@click.group("users")
def users() -> None:
    """People who sign in to the web app: add, passwords, roles, disable, API tokens."""


@users.command("add")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["viewer", "editor", "admin"]),
    default="viewer",
    show_default=True,
    help="viewer reads; editor also changes events and uploads notes; admin also manages people.",
)
@click.option("--name", default="", help="Display name.")
@now_option
def users_add(email: str, role: str, name: str, now: dt.datetime) -> None:
    """Add a user; the password is asked for (or read from stdin), never an argument."""
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.users import add_user
    from models import Role

    password = _new_password()
    session = get_writer_session()
    with session.begin():
        user = add_user(session, email, name=name, role=Role(role), password=password, now=now)
        click.echo(f"added {user.email} ({user.role.value})")


@users.command("passwd")
@with_appcontext
@click.argument("email")
@click.option(
    "--keep-tokens", is_flag=True, help="Leave the user's API tokens working (default: revoke)."
)
@now_option
def users_passwd(email: str, keep_tokens: bool, now: dt.datetime) -> None:
    """Set a user's password (asked for, or read from stdin).

    Every session of the user ends, and every API token is revoked unless
    --keep-tokens: what the old password let in stops working.
    """
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.users import find_user, set_password

    session = get_writer_session()
    with session.begin():
        user = find_user(session, email)
        ended = set_password(session, user, _new_password(), now=now, revoke_tokens=not keep_tokens)
    click.echo(
        f"password of {user.email} changed; {_count(ended.sessions, 'session')} ended, "
        f"{_count(ended.tokens, 'API token')} revoked"
    )


@users.command("list")
@with_appcontext
def users_list() -> None:
    """Every user: email, role, name, active or not, last sign-in."""
    from sqlalchemy import select

    from calendar_svc.extensions import get_session
    from models import User

    for user in get_session().scalars(select(User).order_by(User.email)):
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        state = "active" if user.is_active else "disabled"
        click.echo(f"{user.email}\t{user.role.value}\t{user.name}\t{state}\tlast sign-in {last}")


@users.command("disable")
@with_appcontext
@click.argument("email")
@now_option
def users_disable(email: str, now: dt.datetime) -> None:
    """Disable a user: their sessions end and their API tokens stop working, at once."""
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.users import find_user, set_active

    session = get_writer_session()
    with session.begin():
        user = find_user(session, email)
        ended = set_active(session, user, False, now=now)
    click.echo(f"disabled {user.email}; {_count(ended.sessions, 'session')} ended")


@users.command("enable")
@with_appcontext
@click.argument("email")
@now_option
def users_enable(email: str, now: dt.datetime) -> None:
    """Enable a disabled user again (their API tokens work again; sessions stay ended)."""
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.users import find_user, set_active

    session = get_writer_session()
    with session.begin():
        user = find_user(session, email)
        set_active(session, user, True, now=now)
    click.echo(f"enabled {user.email}")


@users.command("role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(["viewer", "editor", "admin"]))
def users_role(email: str, role: str) -> None:
    """Give a user another role; it applies from their next request."""
    from calendar_svc.extensions import get_writer_session
    from calendar_svc.users import find_user, set_role
    from models import Role

    session = get_writer_session()
    with session.begin():
        user = find_user(session, email)
        set_role(session, user, Role(role))
    click.echo(f"{user.email} is now {role}")


@users.command("tokens")
@with_appcontext
@click.argument("email")
@now_option
def users_tokens(email: str, now: dt.datetime) -> None:
    """A user's API tokens: id, name, made, expires, state (active, revoked or expired)."""
    from calendar_svc.extensions import get_session
    from calendar_svc.users import find_user

    for token in find_user(get_session(), email).api_tokens:
        expires = f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never"
        click.echo(
            f"{token.id}\t{token.name}\tmade {token.created_at:%Y-%m-%d %H:%M}"
            f"\texpires {expires}\t{token.state(now)}"
        )


@users.command("token")
@with_appcontext
@click.argument("email")
@click.option("--name", "label", default="api", show_default=True, help="What the token is for.")
@click.option(
    "--expires-days",
    type=click.IntRange(min=0),
    help="Days until it stops working; 0: never (default: [auth] token_days).",
)
@click.option("--revoke", "revoke_id", type=int, metavar="ID", help="Revoke token ID instead.")
@now_option
def users_token(
    email: str, label: str, expires_days: int | None, revoke_id: int | None, now: dt.datetime
) -> None:
    """Issue an API token for a user and print it (it is shown only this once),
    or with --revoke ID revoke one (see `users tokens`)."""
    from calendar_svc.extensions import get_writer_session, services
    from calendar_svc.users import find_user, issue_api_token, revoke_api_token

    session = get_writer_session()
    if revoke_id is not None:
        with session.begin():
            revoked = revoke_api_token(session, find_user(session, email), revoke_id, now=now)
        click.echo(f"revoked API token {revoked.id} ({revoked.name}) of {revoked.user.email}")
        return
    days = services().settings.auth.token_days if expires_days is None else expires_days
    expires_at = now + dt.timedelta(days=days) if days else None
    with session.begin():
        user = find_user(session, email)
        token = issue_api_token(session, user, name=label, now=now, expires_at=expires_at)
    # The token alone on stdout, for scripts; the rest for the person.
    click.echo(token)
    when = f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "does not expire"
    click.echo(f"API token for {user.email}; it {when} and is shown only this once", err=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _new_password() -> str:
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the reminder and digest scheduler until stopped (SIGTERM).

    It logs to stderr, in the format and level of [logging] in the configuration.
    """
    from calendar_svc.extensions import services
    from notifications.scheduler import run

    run(services().notifications)


def _section(session: Session, key: str) -> Section:
    from calendar_svc.subscribers import find_section

    return find_section(session, key)


COMMANDS = (
    init_db,
    ingest,
    export,
    agenda,
    series,
    serve,
    check,
    backup,
    subscribers,
    reminders,
    digest,
    scheduler,
    users,
)


for _command in COMMANDS:
    main.add_command(_command)
