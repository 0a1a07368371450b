"""A real Request Tracker 5 for tests and benchmarks (Debian's `request-tracker5`, `rt5-standalone`,
`rt5-db-sqlite`): `rt-setup-database-5` initialises one SQLite database in a temp dir, a Perl
script on RT's own library adds the integration user, its rights and an RT auth token, and copies
of that file are served by `rt-server` (Starlet) on a free loopback port, with its own site
configuration (`RT_SITE_CONFIG`; `RT_SITE_CONFIG_DIR` keeps the machine's /etc out of it)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

import httpx

RT_SERVER = "/usr/share/request-tracker5/libexec/rt-server"
RT_SETUP = "/usr/sbin/rt-setup-database-5"
RT_LIB = "/usr/share/request-tracker5/lib"
RT_MAILGATE = "/usr/bin/rt-mailgate-5"
ROOT_PASSWORD = "root-test-only"
USER = "workstation"
#: Queues of the test world: their names are the tickets' topics unless mapped.
QUEUES = ("Billing", "Delivery")
#: Generous: Starlet loads RT (a few seconds) per worker on a busy 2-core machine.
START_TIMEOUT_S = 180.0
RIGHTS = (
    "SeeQueue",
    "ShowTicket",
    "CreateTicket",
    "ModifyTicket",
    "CommentOnTicket",
    "ReplyToTicket",
    "ShowTicketComments",
    "SeeCustomField",
    "ModifyCustomField",
)

_SETUP_PERL = r"""
use strict; use warnings;
use lib '%(lib)s';
use RT; RT::LoadConfig(); RT::Init();
my $root = RT::User->new(RT->SystemUser); $root->Load('root');
my ($ok, $msg) = $root->SetPassword('%(root)s'); die "root: $msg" unless $ok;
my $user = RT::User->new(RT->SystemUser);
($ok, $msg) = $user->Create(Name => '%(user)s', EmailAddress => 'integration@example.invalid',
    Privileged => 1, Password => '%(root)s-user');
die "user: $msg" unless $ok;
for my $right (qw(%(rights)s)) {
    ($ok, $msg) = $user->PrincipalObj->GrantRight(Right => $right, Object => RT->System);
    die "right $right: $msg" unless $ok;
}
for my $name (qw(%(queues)s)) {
    my $queue = RT::Queue->new(RT->SystemUser);
    ($ok, $msg) = $queue->Create(Name => $name); die "queue $name: $msg" unless $ok;
}
# As at a site that takes support mail: anyone may open a ticket by e-mail and write to it
# (rt-mailgate creates an unprivileged user for a new sender; these are that user's rights).
my $everyone = RT::Group->new(RT->SystemUser); $everyone->LoadSystemInternalGroup('Everyone');
for my $right (qw(CreateTicket ReplyToTicket)) {
    ($ok, $msg) = $everyone->PrincipalObj->GrantRight(Right => $right, Object => RT->System);
    die "everyone $right: $msg" unless $ok;
}
my $cf = RT::CustomField->new(RT->SystemUser);
($ok, $msg) = $cf->Create(Name => 'Topic', Type => 'FreeformSingle', LookupType => 'RT::Queue-RT::Ticket');
die "cf: $msg" unless $ok;
($ok, $msg) = $cf->AddToObject(RT::Queue->new(RT->SystemUser)); die "cf global: $msg" unless $ok;
my $token = RT::AuthToken->new(RT->SystemUser);
my ($id, $m, $auth) = $token->Create(Owner => $user->Id, Description => 'workstation tests');
die "token: $m" unless $id;
print "TOKEN $auth\n";
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available() -> bool:
    return all(Path(p).exists() for p in (RT_SERVER, RT_SETUP, RT_LIB, RT_MAILGATE))


def _write_config(directory: Path, database: Path, port: int) -> dict[str, str]:
    site = directory / "RT_SiteConfig.pm"
    conf_dir = directory / "RT_SiteConfig.d"
    conf_dir.mkdir(exist_ok=True)
    site.write_text(
        "Set($rtname, 'test.invalid');\nSet($Organization, 'test.invalid');\n"
        # TicketSQL dates are read in the user's time zone; the connector's cursor is UTC.
        "Set($Timezone, 'UTC');\n"
        f"Set($WebDomain, '127.0.0.1');\nSet($WebPort, {port});\nSet($WebPath, '');\n"
        f"Set($WebBaseURL, 'http://127.0.0.1:{port}');\n"
        f"Set($DatabaseType, 'SQLite');\nSet($DatabaseName, '{database}');\n"
        "Set($LogToSTDERR, 'warning');\nSet($LogToSyslog, undef);\nSet($LogToFile, undef);\n"
        f"Set($LogDir, '{directory}');\n"
        # No mail leaves the test: RT writes what it would send to a file in the temp dir.
        "Set($MailCommand, 'mbox');\n"
        "1;\n",
        encoding="utf-8",
    )
    return {**os.environ, "RT_SITE_CONFIG": str(site), "RT_SITE_CONFIG_DIR": str(conf_dir)}


def initialise(directory: Path) -> tuple[Path, str]:
    """A new RT database with the integration user, its rights, queues and a token: (file, token)."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "rt.db"
    env = _write_config(directory, database, 0)
    setup = subprocess.run(
        [RT_SETUP, "--action", "init", "--skip-create"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if setup.returncode != 0 or not database.exists():
        raise RuntimeError(f"rt-setup-database failed: {setup.stdout[-2000:]} {setup.stderr[-2000:]}")
    script = _SETUP_PERL % {
        "lib": RT_LIB,
        "root": ROOT_PASSWORD,
        "user": USER,
        "rights": " ".join(RIGHTS),
        "queues": " ".join(QUEUES),
    }
    made = subprocess.run(
        ["perl", "-e", script], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    tokens = [line[6:] for line in made.stdout.splitlines() if line.startswith("TOKEN ")]
    if made.returncode != 0 or not tokens:
        raise RuntimeError(f"RT user setup failed: {made.stderr[-2000:]}")
    return database, tokens[0]


class RTServer:
    """`rt-server` serving a copy of the template database; stop() and start() again keep the data
    (the copy is made once), so tests can take RT down in the middle of a sync."""

    def __init__(self, directory: Path, template: Path, token: str) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.database = directory / "rt.db"
        shutil.copyfile(template, self.database)
        self.token = token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = _write_config(directory, self.database, self.port)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = directory / "rt-server.log"

    def start(self) -> None:
        with self._log.open("ab") as log:
            self._proc = subprocess.Popen(
                [RT_SERVER, "--host", "127.0.0.1", "--port", str(self.port), "--max-workers", "2"],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"rt-server exited: {self._log.read_text(errors='replace')[-2000:]}")
            try:
                answer = httpx.get(f"{self.url}/REST/2.0/rt", headers=self.headers(), timeout=5)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"rt-server did not answer in {START_TIMEOUT_S:.0f}s")

    def stop(self) -> None:
        if self._proc is None:
            return
        # Starlet forks its workers into the server's process group: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, 15)
        try:
            self._proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, 9)
            self._proc.wait(timeout=10)
        self._proc = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    # --- acting as RT's users (setting up the tests' world over REST2) ---------------------------

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/REST/2.0", auth=("root", ROOT_PASSWORD), timeout=60)

    def create_ticket(
        self, queue: str, requestor: str, subject: str, *, priority: int = 0, **extra: object
    ) -> int:
        with self.admin() as http:
            answer = http.post(
                "/ticket",
                json={
                    "Queue": queue,
                    "Requestor": requestor,
                    "Subject": subject,
                    "Priority": priority,
                    "Content": f"{subject} (from {requestor})",
                    "ContentType": "text/plain",
                    **extra,
                },
            )
            answer.raise_for_status()
            return int(answer.json()["id"])

    def mail(self, queue: str, sender: str, subject: str, body: str) -> int:
        """Deliver an e-mail through RT's own mail gateway (`rt-mailgate`, as a mail server's alias
        would): a new ticket in `queue`, or a reply when the subject carries `[test.invalid #ID]`.
        Returns the ticket's id."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "support@test.invalid"
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="example.org")
        message.set_content(body)
        before = set(self.tickets_of(parseaddr(sender)[1]))
        delivered = subprocess.run(
            [RT_MAILGATE, "--queue", queue, "--action", "correspond", "--url", self.url, "--timeout", "120"],
            input=message.as_bytes(),
            capture_output=True,
            timeout=180,
            check=False,
        )
        if delivered.returncode != 0:
            raise RuntimeError(
                f"rt-mailgate failed: {delivered.stdout[-1000:]!r} {delivered.stderr[-1000:]!r}"
            )
        mentioned = re.search(r"\[test\.invalid #(\d+)\]", subject)
        if mentioned:
            return int(mentioned.group(1))
        (new,) = set(self.tickets_of(parseaddr(sender)[1])) - before
        return new

    def reply(self, ticket: int, text: str) -> None:
        with self.admin() as http:
            http.post(
                f"/ticket/{ticket}/correspond", json={"Content": text, "ContentType": "text/plain"}
            ).raise_for_status()

    def set_status(self, ticket: int, status: str) -> None:
        with self.admin() as http:
            http.put(f"/ticket/{ticket}", json={"Status": status}).raise_for_status()

    def ticket(self, ticket: int) -> dict[str, object]:
        with self.admin() as http:
            answer = http.get(f"/ticket/{ticket}")
            answer.raise_for_status()
            return dict(answer.json())

    def history_texts(self, ticket: int, kind: str) -> list[str]:
        """The text of each `kind` transaction (Comment, Correspond, Create) of a ticket."""
        texts = []
        with self.admin() as http:
            items = http.get(f"/ticket/{ticket}/history", params={"per_page": 100, "fields": "Type"}).json()
            for item in items["items"]:
                if item["Type"] != kind:
                    continue
                txn = http.get(f"/transaction/{item['id']}").json()
                for link in txn.get("_hyperlinks", []):
                    if link.get("ref") == "attachment":
                        attachment = http.get(link["_url"].split("/REST/2.0", 1)[1]).json()
                        content = attachment.get("Content") or ""
                        texts.append(base64.b64decode(content).decode("utf-8", "replace"))
        return texts

    def tickets_of(self, requestor: str) -> list[int]:
        with self.admin() as http:
            answer = http.get(
                "/tickets", params={"query": f"Requestor.EmailAddress = '{requestor}'", "per_page": 100}
            ).json()
            return sorted(int(i["id"]) for i in answer["items"])
