"""The size of the decimals the API reads and writes: quantities (amounts in a project's
currency, or numbers of units) as the database stores them, and percentages. Never floats."""

from donations.models import QUANTITY_FIELD

QUANTITY = {"max_digits": QUANTITY_FIELD["max_digits"], "decimal_places": QUANTITY_FIELD["decimal_places"]}
PERCENT = {"max_digits": 6, "decimal_places": 2}
