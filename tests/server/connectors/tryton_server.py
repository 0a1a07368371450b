"""A real Tryton server for tests and benchmarks: `trytond-admin` initialises one SQLite database
with the modules the connector reads, copies of it are served by one `trytond` process on a free
loopback port, and `TrytonSeed` creates records through JSON-RPC as a Tryton user would."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from workstation.server.connectors.tryton_rpc import TrytonRPC

MODULES = ("party", "sale", "sale_complaint", "account_invoice")
ADMIN_PASSWORD = "admin-test-only"
#: Generous: trytond loads its modules once per database at start, slow on a busy 2-core machine.
START_TIMEOUT_S = 300.0


def _bin(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(directory: Path, port: int) -> Path:
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n"
        f"[web]\nlisten = 127.0.0.1:{port}\n"
        # No e-mail, no cron: the tests own every change.
        "[session]\nmax_attempt = 1000\n",
        encoding="utf-8",
    )
    return conf


def initialise(directory: Path, name: str = "template") -> Path:
    """A new database with MODULES activated (takes ~20 s); returns its file."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = _write_config(directory, 0)
    passfile = directory / "admin.pass"
    passfile.write_text(ADMIN_PASSWORD, encoding="utf-8")
    db = directory / f"{name}.sqlite"
    db.touch()
    env = {**os.environ, "TRYTONPASSFILE": str(passfile)}
    result = subprocess.run(
        [
            _bin("trytond-admin"),
            "-c",
            str(conf),
            "-d",
            name,
            "--all",
            "--activate-dependencies",
            "--email",
            "admin@example.invalid",
            "-u",
            *MODULES,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"trytond-admin failed: {result.stderr[-2000:]}")
    return db


class TrytonServer:
    """`trytond` serving copies of a template database; `stop()` and `start()` again keep the files."""

    def __init__(self, directory: Path, template: Path, databases: list[str]) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for name in databases:
            target = directory / f"{name}.sqlite"
            if not target.exists():
                shutil.copyfile(template, target)
        self.databases = list(databases)
        self._free = list(databases)
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "trytond.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self) -> str:
        """A database no other test has used."""
        if not self._free:
            raise RuntimeError("all Tryton test databases are used; raise the count in the fixture")
        return self._free.pop(0)

    def start(self) -> None:
        conf = _write_config(self.directory, self.port)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [_bin("trytond"), "-c", str(conf), "-d", *self.databases],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited: {self.log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(
                    f"{self.url}/{self.databases[0]}/rpc/", json={"method": "x", "params": []}, timeout=2
                )
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("trytond did not start listening in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


def d(value: Any) -> Any:
    return Decimal(str(value))


# The volume data, defined once: the JSON-RPC seeder (`TrytonSeed.parties_with_sales`) and the bulk
# seeder in `tryton_bulk.py` (trytond's Python API in a process of its own) create exactly these
# values, so an import cannot tell which one made the records.


def volume_parties(count: int, prefix: str) -> list[dict[str, Any]]:
    """Values for `count` parties with one e-mail address and one address each."""
    return [
        {
            "name": f"{prefix} {i}",
            "contact_mechanisms": [["create", [{"type": "email", "value": f"c{i}@example.org"}]]],
            "addresses": [["create", [{"street": f"Weg {i}", "city": "Berlin"}]]],
        }
        for i in range(count)
    ]


def volume_sales(
    parties: list[int], address_of: dict[int, int], sales_each: int, *, company: int, currency: int
) -> list[dict[str, Any]]:
    """Values for `sales_each` one-line sales of today per party (quoted and confirmed afterwards)."""
    return [
        {
            "party": p,
            "company": company,
            "currency": currency,
            "sale_date": dt.date.today(),
            "invoice_address": address_of[p],
            "shipment_address": address_of[p],
            "lines": [
                [
                    "create",
                    [{"type": "line", "description": f"Item {n}", "quantity": 1.0, "unit_price": d(10 + n)}],
                ]
            ],
        }
        for p in parties
        for n in range(sales_each)
    ]


class TrytonSeed:
    """Creates what a shop's back office would in Tryton: a company, parties, sales, complaints,
    shipments and invoices, through JSON-RPC (the same interface the connector reads)."""

    def __init__(self, rpc: TrytonRPC) -> None:
        self.rpc = rpc
        self.company = 0
        self.currency = 0
        self.accounts: dict[str, int] = {}
        self.complaint_types: dict[str, int] = {}

    async def setup(self) -> None:
        r = self.rpc
        (self.currency,) = await r.model(
            "currency.currency", "create", [{"name": "Euro", "code": "EUR", "symbol": "€"}]
        )
        (party,) = await r.model("party.party", "create", [{"name": "Example Shop GmbH"}])
        (self.company,) = await r.model(
            "company.company", "create", [{"party": party, "currency": self.currency}]
        )
        await r.model(
            "res.user", "write", [1], {"companies": [["add", [self.company]]], "company": self.company}
        )
        r.context = {"company": self.company}
        (receivable_type,) = await r.model(
            "account.account.type",
            "create",
            [
                {
                    "name": "Receivable",
                    "statement": "balance",
                    "receivable": True,
                    "assets": True,
                    "company": self.company,
                }
            ],
        )
        (revenue_type,) = await r.model(
            "account.account.type",
            "create",
            [{"name": "Revenue", "statement": "income", "revenue": True, "company": self.company}],
        )
        (self.accounts["receivable"],) = await r.model(
            "account.account",
            "create",
            [
                {
                    "name": "Customers",
                    "code": "411",
                    "type": receivable_type,
                    "party_required": True,
                    "reconcile": True,
                    "company": self.company,
                }
            ],
        )
        (self.accounts["revenue"],) = await r.model(
            "account.account",
            "create",
            [{"name": "Sales", "code": "700", "type": revenue_type, "company": self.company}],
        )
        sale_model = await r.search_read("ir.model", [["name", "=", "sale.sale"]], ["id"])
        for name in ("Late delivery", "Damaged goods", "Billing"):
            (self.complaint_types[name],) = await r.model(
                "sale.complaint.type", "create", [{"name": name, "origin": sale_model[0]["id"]}]
            )
        self.journal = (await r.search_read("account.journal", [["type", "=", "revenue"]], ["id"]))[0]["id"]
        wh = await r.search_read(
            "stock.location", [["type", "=", "warehouse"]], ["output_location", "storage_location"]
        )
        self.warehouse = wh[0]

    async def reload(self) -> None:
        """Find what `setup` created (a second seeding session on the same database)."""
        r = self.rpc
        companies = await r.search_read("company.company", [], ["currency"])
        self.company, self.currency = companies[0]["id"], companies[0]["currency"]
        r.context = {"company": self.company}
        for row in await r.search_read("account.account", [], ["code"]):
            self.accounts[{"411": "receivable", "700": "revenue"}.get(row["code"], row["code"])] = row["id"]
        for row in await r.search_read("sale.complaint.type", [], ["name"]):
            self.complaint_types[row["name"]] = row["id"]
        self.journal = (await r.search_read("account.journal", [["type", "=", "revenue"]], ["id"]))[0]["id"]
        wh = await r.search_read(
            "stock.location", [["type", "=", "warehouse"]], ["output_location", "storage_location"]
        )
        self.warehouse = wh[0]

    async def party(self, name: str, *, email: str | None = None, phone: str | None = None) -> int:
        mechanisms = [{"type": "email", "value": email}] if email else []
        mechanisms += [{"type": "phone", "value": phone}] if phone else []
        values: dict[str, Any] = {
            "name": name,
            "addresses": [["create", [{"street": "Hauptstr. 1", "city": "Berlin"}]]],
        }
        if mechanisms:
            values["contact_mechanisms"] = [["create", mechanisms]]
        (party_id,) = await self.rpc.model("party.party", "create", [values])
        return int(party_id)

    async def address(self, party: int) -> int:
        rows = await self.rpc.search_read("party.address", [["party", "=", party]], ["id"])
        return int(rows[0]["id"])

    async def sale(
        self, party: int, amount: float, *, confirm: bool = True, when: dt.date | None = None
    ) -> int:
        address = await self.address(party)
        (sale_id,) = await self.rpc.model(
            "sale.sale",
            "create",
            [
                {
                    "party": party,
                    "company": self.company,
                    "currency": self.currency,
                    "sale_date": when or dt.date.today(),
                    "invoice_address": address,
                    "shipment_address": address,
                    "lines": [
                        [
                            "create",
                            [
                                {
                                    "type": "line",
                                    "description": "Router X200",
                                    "quantity": 1.0,
                                    "unit_price": d(amount),
                                }
                            ],
                        ]
                    ],
                }
            ],
        )
        if confirm:
            await self.rpc.model("sale.sale", "quote", [sale_id])
            await self.rpc.model("sale.sale", "confirm", [sale_id])
        return int(sale_id)

    async def parties_with_sales(self, count: int, sales_each: int, *, prefix: str = "Customer") -> list[int]:
        """`count` parties with `sales_each` confirmed sales each, in a few calls (for volume)."""
        parties = await self.rpc.model("party.party", "create", volume_parties(count, prefix))
        addresses = await self.rpc.search_read("party.address", [["party", "in", parties]], ["party"])
        address_of = {a["party"]: a["id"] for a in addresses}
        sales = await self.rpc.model(
            "sale.sale",
            "create",
            volume_sales(parties, address_of, sales_each, company=self.company, currency=self.currency),
        )
        await self.rpc.model("sale.sale", "quote", sales)
        await self.rpc.model("sale.sale", "confirm", sales)
        return [int(p) for p in parties]

    async def complaint(self, party: int, sale: int | None, kind: str, text: str) -> int:
        values: dict[str, Any] = {
            "customer": party,
            "type": self.complaint_types[kind],
            "description": text,
            "company": self.company,
            "date": dt.date.today(),
        }
        if sale is not None:
            values["origin"] = f"sale.sale,{sale}"
        (complaint_id,) = await self.rpc.model("sale.complaint", "create", [values])
        return int(complaint_id)

    async def shipment(self, party: int, planned: dt.date) -> int:
        (shipment_id,) = await self.rpc.model(
            "stock.shipment.out",
            "create",
            [
                {
                    "customer": party,
                    "delivery_address": await self.address(party),
                    "company": self.company,
                    "warehouse": self.warehouse["id"],
                    "warehouse_output": self.warehouse["output_location"],
                    "warehouse_storage": self.warehouse["storage_location"],
                    "planned_date": planned,
                }
            ],
        )
        await self.rpc.model("stock.shipment.out", "wait", [shipment_id])
        return int(shipment_id)

    async def invoice(self, party: int, amount: float, *, when: dt.date, due: dt.date) -> int:
        (invoice_id,) = await self.rpc.model(
            "account.invoice",
            "create",
            [
                {
                    "type": "out",
                    "party": party,
                    "invoice_address": await self.address(party),
                    "account": self.accounts["receivable"],
                    "journal": self.journal,
                    "company": self.company,
                    "currency": self.currency,
                    "invoice_date": when,
                    "payment_term_date": due,
                    "lines": [
                        [
                            "create",
                            [
                                {
                                    "type": "line",
                                    "description": "Router X200",
                                    "quantity": 1.0,
                                    "unit_price": d(amount),
                                    "account": self.accounts["revenue"],
                                }
                            ],
                        ]
                    ],
                }
            ],
        )
        return int(invoice_id)
