"""The reference backend: REST + WebSocket push, routing, event log, simulator."""
