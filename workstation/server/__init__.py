"""The reference backend: REST + WebSocket push, routing, event log (the demo world is workstation.demo)."""
