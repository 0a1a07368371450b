"""The demo world: simulated customers and their journeys, a simulated contact-centre day, the demo shop.

Apart from the backend a contact centre runs (`workstation.server`): the demo drives the backend through
its public API (Backend, its rows, its routers) and the backend never imports the demo; only the
server's composition roots (`workstation.server.runner`, `__main__`) plug it in when asked (--demo)."""
