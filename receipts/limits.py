"""How long the texts that receipts print may be (characters), in one place. A receipt is one
A4 page: an address of 500 characters is already a dozen lines."""

# An issuer's or a donor's postal address, one line per line.
ADDRESS_MAX = 500
# The issuing association's object, as in its statutes (printed on French tax receipts).
ISSUER_PURPOSE_MAX = 2_000
# Why a receipt is void, shown on its public verification page.
VOID_REASON_MAX = 1_000
