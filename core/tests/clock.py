"""A stopped clock for the limits of core/rates.py (the clock is the outside world): their windows
are fixed, so requests made on a real clock could straddle a window's end on a slow machine and
find their counter reset. It moves only when a test moves it."""

# The start of an hour (and of a minute): 1 800 000 000 is a multiple of 3 600.
WINDOW_START = 1_800_000_000


class FrozenClock:
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds
