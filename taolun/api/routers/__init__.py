"""One router per app; each endpoint parses, calls a selector or service, and shapes the answer."""
