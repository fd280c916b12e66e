"""Hooks: a lower app announces one of its events, higher apps act on it, and no import goes up.

Imports flow one way (accounts → projects → donations → payments / receipts / publishing →
pages / api), but some events of a lower app must reach a higher one: a reception issues a
receipt, a threshold reached goes on the timeline, a cancelled project cancels its pledges.
Each such event is a `Hook` declared in the `hooks.py` of the app where it happens, named for
the event, with the keyword arguments it passes. The app that reacts connects its handler in its
`AppConfig.ready()`: one line, easy to find.

Unlike Django signals, on purpose:
- a hook is called at one named place in a service, inside its transaction, and its handlers
  run there and then, in order; nothing is sent to anyone who happens to listen;
- a handler's exception propagates to the caller: the service's transaction rolls back, and a
  DomainError raised by a handler reaches the member (a veto, e.g. "the currency cannot change");
- handlers are plain functions, held strongly, each connected once.
"""


class Hook:
    def __init__(self, name, *arguments):
        self.name = name
        self.arguments = frozenset(arguments)
        self._handlers = []

    def __repr__(self):
        return f"<Hook {self.name}({', '.join(sorted(self.arguments))})>"

    def connect(self, handler):
        """Run `handler(**arguments)` each time the event happens. Connecting twice is once."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    @property
    def handlers(self):
        return tuple(self._handlers)

    def __call__(self, **arguments):
        if set(arguments) != self.arguments:
            raise TypeError(f"{self.name} takes {sorted(self.arguments)}, not {sorted(arguments)}")
        for handler in self._handlers:
            handler(**arguments)
