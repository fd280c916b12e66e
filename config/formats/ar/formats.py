"""Arabic numbers as Morocco writes them (CLDR ar-MA: Western digits, "," for decimals and "." to
group thousands), on top of Django's own Arabic formats, which keep the same separators but do not
group: "60.000 MAD", not "60000 MAD"."""

NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
