"""German date formats as German offices write them (DIN 5008 allows TT.MM.JJJJ): 07.12.2026
14:05. Django's de formats already use these; named here so both languages sit side by side."""

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
YEAR_MONTH_FORMAT = "F Y"  # Oktober 2026
