"""The demo shop served by the reference backend: the customer's side of chat and cobrowse.

Product, help, account and checkout pages with the chat widget and the cobrowse script. The shop
stands in for a retailer's web site: it signs a demo customer in (a signed cookie), opens chats for
them as the shop's backend would, and serves rrweb from the npm install under `workstation/web`.
The checkout's card form never posts anywhere: card data stays in the browser.

Signing in needs no password, so the shop exists only in demo mode (`--demo`, the desktop's
embedded backend) and its sign-ins and chat openings are rate-limited per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter, Cookie, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from workstation.domain.models import WebPage
from workstation.server.backend import Backend, BackendError
from workstation.server.db import CustomerRow, read_session
from workstation.server.limits import RateLimiter

log = logging.getLogger(__name__)

SHOP = "/shop"
COOKIE = "shop_customer"
CART_COOKIE = "shop_cart"
#: The files the shop serves from workstation/web/shop (nothing else under that folder is reachable).
STATIC = {"shop.css": "text/css", "widget.js": "text/javascript", "cobrowse.js": "text/javascript"}
RRWEB_DIST = ("node_modules", "rrweb", "dist", "rrweb.umd.min.cjs")
RRWEB_CSS = ("node_modules", "rrweb", "dist", "style.min.css")
MISSING_ASSETS = (
    "Cobrowse is not available: the rrweb web assets are not installed. "
    "Run `npm ci --prefix workstation/web` (the README's set-up command does this)."
)


@dataclass(slots=True)
class ShopLimits:
    """How often one client address may sign in and open chats (token buckets: a burst, then a rate)."""

    signins_per_minute: float = 6.0
    signin_burst: int = 10
    chats_per_minute: float = 1.0
    chat_burst: int = 5
    clock: Callable[[], float] = field(default=time.monotonic)


@dataclass(frozen=True, slots=True)
class Product:
    slug: str
    name: str
    price: float
    category: str
    blurb: str


@dataclass(frozen=True, slots=True)
class HelpPage:
    slug: str
    title: str
    paragraphs: tuple[str, ...]


PRODUCTS = (
    Product(
        "soundpeak-anc-700", "SoundPeak ANC 700", 199.0, "Headphones", "Over-ear, noise cancelling, 30 h."
    ),
    Product("oled-65-tv", "Lumina OLED 65", 1499.0, "TV", "65-inch OLED with 120 Hz and Dolby Vision."),
    Product(
        "brewmaster-espresso", "BrewMaster Espresso", 349.0, "Kitchen", "Dual boiler, 15 bar, steam wand."
    ),
    Product("trailrunner-gps", "TrailRunner GPS Watch", 279.0, "Wearables", "Maps, heart rate, 14 days."),
    Product("desk-lamp-aura", "Aura Desk Lamp", 59.0, "Home", "Dimmable LED with USB-C charging."),
    Product("router-mesh-3", "MeshLink Router (3-pack)", 229.0, "Network", "Wi-Fi 6 mesh for 300 m²."),
)

HELP = (
    HelpPage(
        "shipping",
        "Shipping and delivery",
        (
            "Orders placed before 2 pm ship the same working day.",
            "Delivery takes 1–3 working days; you get a tracking link by e-mail.",
            "If a delivery is late, the tracking page shows the new date.",
        ),
    ),
    HelpPage(
        "returns",
        "Returns and refunds",
        (
            "You can return anything within 30 days. Start a return under Account → Orders.",
            "Print the label, pack the item, drop it at any parcel shop.",
            "Refunds reach your account 3–5 working days after we receive the parcel.",
        ),
    ),
    HelpPage(
        "payment",
        "Payment methods",
        (
            "We accept cards, PayPal and invoice. Card details are entered only on the checkout page.",
            "If a payment fails, your bank may ask you to confirm it in its app.",
        ),
    ),
    HelpPage(
        "warranty",
        "Warranty and repairs",
        (
            "Every product has a two-year warranty.",
            "Report a defect under Account → Orders → Report a problem.",
        ),
    ),
)


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=64)


class ChatBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000)
    url: str = Field(default="", max_length=2000)
    title: str = Field(default="", max_length=300)


def web_file(*parts: str) -> Traversable:
    """A file of the web assets, from the source tree or a frozen build alike."""
    node = resources.files("workstation.web")
    for part in parts:
        node = node.joinpath(part)
    return node


def rrweb_installed() -> bool:
    return web_file(*RRWEB_DIST).is_file()


def shop_router(backend: Backend, limits: ShopLimits | None = None) -> APIRouter:
    limits = limits or ShopLimits()
    router = APIRouter()
    signins = RateLimiter(limits.signin_burst, limits.signins_per_minute, clock=limits.clock)
    chats = RateLimiter(limits.chat_burst, limits.chats_per_minute, clock=limits.clock)
    secret = secrets.token_bytes(32)  # signs the demo sign-in cookie; a restart signs everyone out

    def sign(customer_id: str) -> str:
        mac = hmac.new(secret, customer_id.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{customer_id}.{mac}"

    def signed_in(cookie: str | None) -> CustomerRow | None:
        if not cookie or "." not in cookie:
            return None
        customer_id, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(sign(customer_id), cookie) or not mac:
            return None
        with read_session(backend.engine) as db:
            return db.get(CustomerRow, customer_id)

    def page(title: str, body: str, customer: CustomerRow | None, *, status: int = 200) -> HTMLResponse:
        who = (
            f'<span class="who">Signed in as <b>{_e(customer.name)}</b></span>'
            if customer
            else f'<a class="who" href="{SHOP}/account">Sign in</a>'
        )
        notice = "" if rrweb_installed() else f'<p class="notice" role="status">{_e(MISSING_ASSETS)}</p>'
        scripts = (
            (f'<script src="{SHOP}/static/vendor/rrweb.js"></script>\n' if rrweb_installed() else "")
            + f'<script src="{SHOP}/static/cobrowse.js"></script>\n'
            + f'<script src="{SHOP}/static/widget.js"></script>'
        )
        config = script_json(
            {
                "api": "/api/v1",
                "signedIn": customer is not None,
                "customerName": customer.name if customer else "",
                "rrweb": rrweb_installed(),
            }
        )
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} – Demo shop</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{SHOP}/static/shop.css">
</head><body>
<header class="top"><a class="brand" href="{SHOP}/">Demo shop</a>
<nav><a href="{SHOP}/">Products</a><a href="{SHOP}/help/">Help</a><a href="{SHOP}/cart">Cart</a>
<a href="{SHOP}/account">Account</a></nav>{who}</header>
{notice}<main id="main">{body}</main>
<footer>Demo shop of the agent workstation · no real orders or payments</footer>
<script>window.SHOP = {config};</script>
{scripts}
</body></html>""",
            status_code=status,
        )

    @router.get(SHOP, include_in_schema=False)
    async def shop_root() -> RedirectResponse:
        return RedirectResponse(f"{SHOP}/")

    @router.get(f"{SHOP}/", response_class=HTMLResponse)
    async def home(shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        cards = "".join(_product_card(p) for p in PRODUCTS)
        body = f"""<h1>Products</h1>
<form class="search" action="{SHOP}/search" method="get" role="search">
<label for="q">Search the shop</label>
<input id="q" name="q" type="search" data-cobrowse-allow placeholder="e.g. headphones">
<button type="submit">Search</button></form>
<section class="grid">{cards}</section>"""
        return page("Products", body, signed_in(shop_customer))

    @router.get(f"{SHOP}/search", response_class=HTMLResponse)
    async def search(q: str = "", shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        words = q.lower().split()
        found = [p for p in PRODUCTS if all(w in f"{p.name} {p.category} {p.blurb}".lower() for w in words)]
        cards = "".join(_product_card(p) for p in found) or "<p>Nothing found. Try another word.</p>"
        body = f'<h1>Search: {_e(q)}</h1><section class="grid">{cards}</section>'
        return page(f"Search: {q}", body, signed_in(shop_customer))

    @router.get(f"{SHOP}/p/{{slug}}", response_class=HTMLResponse)
    async def product(slug: str, shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        item = next((p for p in PRODUCTS if p.slug == slug), None)
        customer = signed_in(shop_customer)
        if item is None:
            return page("Not found", "<h1>This product does not exist</h1>", customer, status=404)
        body = f"""<nav class="crumbs"><a href="{SHOP}/">Products</a> › {_e(item.category)}</nav>
<article class="product"><div class="picture" aria-hidden="true">{_e(item.name[0])}</div>
<div><h1>{_e(item.name)}</h1><p class="price">{item.price:,.2f} €</p><p>{_e(item.blurb)}</p>
<form method="post" action="{SHOP}/cart/add"><input type="hidden" name="slug" value="{_e(item.slug)}">
<label for="qty">Quantity</label>
<input id="qty" name="qty" type="number" min="1" max="9" value="1" data-cobrowse-allow>
<button id="add-to-cart" class="primary" type="submit">Add to cart</button></form>
<h2>Delivery</h2><p>Ships in 1–3 working days. <a href="{SHOP}/help/shipping">Shipping help</a></p>
<h2>Returns</h2><p>30 days to change your mind. <a href="{SHOP}/help/returns">How returns work</a></p>
</div></article>"""
        return page(item.name, body, customer)

    @router.post(f"{SHOP}/cart/add", include_in_schema=False)
    async def cart_add(request: Request, shop_cart: str | None = Cookie(default=None)) -> Response:
        form = await request.form()
        slug = str(form.get("slug", ""))
        items = [s for s in (shop_cart or "").split(",") if s]
        if any(p.slug == slug for p in PRODUCTS) and len(items) < 20:
            items.append(slug)
        response = RedirectResponse(f"{SHOP}/cart", status_code=303)
        response.set_cookie(CART_COOKIE, ",".join(items), httponly=True, samesite="lax", path=SHOP)
        return response

    @router.get(f"{SHOP}/cart", response_class=HTMLResponse)
    async def cart(
        shop_customer: str | None = Cookie(default=None), shop_cart: str | None = Cookie(default=None)
    ) -> HTMLResponse:
        items = [p for s in (shop_cart or "").split(",") for p in PRODUCTS if p.slug == s]
        rows = "".join(f"<li>{_e(p.name)} <span>{p.price:,.2f} €</span></li>" for p in items)
        total = sum(p.price for p in items)
        body = (
            f'<h1>Your cart</h1><ul class="cart">{rows}</ul><p class="total">Total {total:,.2f} €</p>'
            f'<a class="button primary" id="to-checkout" href="{SHOP}/checkout">Go to checkout</a>'
            if items
            else f'<h1>Your cart</h1><p>Your cart is empty. <a href="{SHOP}/">Browse products</a></p>'
        )
        return page("Cart", body, signed_in(shop_customer))

    @router.get(f"{SHOP}/checkout", response_class=HTMLResponse)
    async def checkout(shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        customer = signed_in(shop_customer)
        name = _e(customer.name) if customer else ""
        body = f"""<h1>Checkout</h1>
<form id="checkout-form" class="checkout" autocomplete="on">
<fieldset><legend>Delivery address</legend>
<label for="ship-name">Full name</label><input id="ship-name" name="name" autocomplete="name" value="{name}">
<label for="ship-street">Street and number</label>
<input id="ship-street" name="street" autocomplete="street-address">
<label for="ship-zip">Postcode</label><input id="ship-zip" name="zip" autocomplete="postal-code">
<label for="ship-city">City</label><input id="ship-city" name="city" autocomplete="address-level2">
</fieldset>
<fieldset><legend>Delivery option</legend>
<label><input type="radio" name="delivery" value="standard" checked data-cobrowse-allow>
Standard (free)</label>
<label><input type="radio" name="delivery" value="express" data-cobrowse-allow> Express (9.90 €)</label>
</fieldset>
<fieldset id="payment" class="rr-block" data-cobrowse-block><legend>Card details</legend>
<p class="private">Only you can see this part of the page: it is never shared with our agents.</p>
<label for="card-number">Card number</label>
<input id="card-number" name="cardnumber" autocomplete="cc-number" inputmode="numeric">
<label for="card-expiry">Expiry (MM/YY)</label>
<input id="card-expiry" name="exp" autocomplete="cc-exp" placeholder="MM/YY">
<label for="card-cvv">Security code (CVV)</label>
<input id="card-cvv" name="cvc" autocomplete="cc-csc" inputmode="numeric">
</fieldset>
<button id="pay-button" class="primary" type="submit">Pay now</button>
<p id="checkout-result" role="status"></p>
</form>
<p><a href="{SHOP}/help/payment">Questions about paying?</a></p>
<script>
// A demo shop takes no payments: the card form never leaves this page.
document.getElementById("checkout-form").addEventListener("submit", function (e) {{
  e.preventDefault();
  for (const id of ["card-number", "card-expiry", "card-cvv"]) document.getElementById(id).value = "";
  document.getElementById("checkout-result").textContent =
    "This is a demo shop: no payment was taken and your card details were not sent anywhere.";
}});
</script>"""
        return page("Checkout", body, customer)

    @router.get(f"{SHOP}/help/", response_class=HTMLResponse)
    async def help_index(shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        links = "".join(f'<li><a href="{SHOP}/help/{h.slug}">{_e(h.title)}</a></li>' for h in HELP)
        return page("Help", f'<h1>Help</h1><ul class="help">{links}</ul>', signed_in(shop_customer))

    @router.get(f"{SHOP}/help/{{slug}}", response_class=HTMLResponse)
    async def help_page(slug: str, shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        item = next((h for h in HELP if h.slug == slug), None)
        customer = signed_in(shop_customer)
        if item is None:
            return page("Not found", "<h1>This help page does not exist</h1>", customer, status=404)
        paragraphs = "".join(f"<p>{_e(p)}</p>" for p in item.paragraphs)
        others = "".join(
            f'<li><a href="{SHOP}/help/{h.slug}">{_e(h.title)}</a></li>' for h in HELP if h is not item
        )
        body = (
            f'<nav class="crumbs"><a href="{SHOP}/help/">Help</a></nav><h1>{_e(item.title)}</h1>'
            f"{paragraphs}<h2>Other topics</h2><ul>{others}</ul>"
        )
        return page(item.title, body, customer)

    @router.get(f"{SHOP}/account", response_class=HTMLResponse)
    async def account(shop_customer: str | None = Cookie(default=None)) -> HTMLResponse:
        customer = signed_in(shop_customer)
        if customer is None:
            with read_session(backend.engine) as db:
                people = list(
                    db.execute(select(CustomerRow.id, CustomerRow.name).order_by(CustomerRow.id).limit(12))
                )
            buttons = (
                "".join(
                    f'<li><button class="signin" data-customer="{_e(cid)}">'
                    f"Sign in as {_e(name)}</button></li>"
                    for cid, name in people
                )
                or "<li>No demo customers in this backend (it runs without the simulator).</li>"
            )
            body = f"""<h1>Sign in</h1>
<p>This demo shop signs you in as one of the backend's demo customers.</p>
<ul class="people">{buttons}</ul>
<script>
for (const b of document.querySelectorAll("button.signin")) b.addEventListener("click", async () => {{
  const r = await fetch("{SHOP}/api/signin", {{method: "POST",
    headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{customer_id: b.dataset.customer}})}});
  if (r.ok) location.reload(); else alert("Sign-in failed (" + r.status + ").");
}});
</script>"""
            return page("Sign in", body, None)
        data = customer.data or {}
        body = f"""<h1>Your account</h1>
<dl class="facts"><dt>Name</dt><dd>{_e(customer.name)}</dd>
<dt>E-mail</dt><dd data-cobrowse-mask>{_e(str(data.get("email") or "–"))}</dd></dl>
<h2>Change password</h2>
<form id="password-form" class="checkout">
<label for="old-password">Current password</label>
<input id="old-password" type="password" autocomplete="current-password">
<label for="new-password">New password</label>
<input id="new-password" type="password" autocomplete="new-password">
<button type="submit">Change password</button><p id="password-result" role="status"></p></form>
<p><button id="signout">Sign out</button></p>
<script>
document.getElementById("password-form").addEventListener("submit", (e) => {{
  e.preventDefault();
  document.getElementById("password-result").textContent = "Demo shop: passwords cannot be changed here.";
}});
document.getElementById("signout").addEventListener("click", async () => {{
  await fetch("{SHOP}/api/signout", {{method: "POST"}}); sessionStorage.clear(); location.reload();
}});
</script>"""
        return page("Account", body, customer)

    @router.post(f"{SHOP}/api/signin")
    async def signin(body: SignInBody, request: Request) -> JSONResponse:
        _limit(signins, request, "sign-ins")
        with read_session(backend.engine) as db:
            customer = db.get(CustomerRow, body.customer_id)
        if customer is None:
            raise BackendError(404, "not_found", "No such demo customer.")
        response = JSONResponse({"customer": {"id": customer.id, "name": customer.name}})
        response.set_cookie(COOKIE, sign(customer.id), httponly=True, samesite="lax", path="/")
        return response

    @router.post(f"{SHOP}/api/signout")
    async def signout() -> JSONResponse:
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.post(f"{SHOP}/api/chat", status_code=201)
    async def start_chat(
        body: ChatBody, request: Request, shop_customer: str | None = Cookie(default=None)
    ) -> dict[str, Any]:
        # The shop's backend opens the chat for its signed-in customer (as a service user would).
        customer = signed_in(shop_customer)
        if customer is None:
            raise BackendError(401, "unauthenticated", "Sign in to the shop to chat with us.")
        _limit(chats, request, "chats")
        path = body.url if body.url.startswith("/") else ""
        if not path and body.url:
            from urllib.parse import urlsplit

            path = urlsplit(body.url).path
        page = WebPage(url=path or f"{SHOP}/", title=body.title)
        # On the backend's writer thread, like a customer's chat opened over its API (writer_thread.py).
        conv, token = await backend.writer.run(
            lambda: backend.start_chat(
                customer_id=customer.id, text=body.text, topic=None, language=customer.language, page=page
            )
        )
        return {"conversation_id": conv.id, "customer_token": token, "customer_name": customer.name}

    @router.get(f"{SHOP}/static/vendor/rrweb.js", include_in_schema=False)
    async def rrweb_js() -> Response:
        asset = web_file(*RRWEB_DIST)
        if not asset.is_file():
            return PlainTextResponse(f"/* {MISSING_ASSETS} */", status_code=503, media_type="text/javascript")
        return Response(asset.read_bytes(), media_type="text/javascript", headers=_cache())

    @router.get(f"{SHOP}/static/{{name}}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            return PlainTextResponse("Not found", status_code=404)
        return Response(web_file("shop", name).read_bytes(), media_type=STATIC[name], headers=_cache())

    return router


def _limit(limiter: RateLimiter, request: Request, what: str) -> None:
    wait = limiter.take(request.client.host if request.client else "")
    if wait is not None:
        raise BackendError(
            429,
            "too_many_requests",
            f"Too many {what} from your address; try again later.",
            retry_after=wait,
        )


#: What must not appear literally in JSON written into a <script> element: "</script>" or "<!--"
#: would end or confuse it, and U+2028/2029 end a line in older JavaScript.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any) -> str:
    """`value` as JSON that is safe inside an HTML <script> element."""
    text = json.dumps(value)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def _cache() -> dict[str, str]:
    return {"Cache-Control": "no-cache"}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _product_card(p: Product) -> str:
    return (
        f'<a class="card" href="{SHOP}/p/{p.slug}">'
        f'<div class="picture" aria-hidden="true">{_e(p.name[0])}</div>'
        f'<h3>{_e(p.name)}</h3><p>{_e(p.blurb)}</p><p class="price">{p.price:,.2f} €</p></a>'
    )
