"""English date formats: Attest's pages have always shown ISO dates (2026-12-07 14:05), which
read the same to every English-speaking team; Django's default en formats (12/07/2026) do not.
Templates use these names (``|date:"SHORT_DATETIME_FORMAT"``) so German gets its own."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"  # a usage month, as the month picker and the CSV write it (2026-10)
