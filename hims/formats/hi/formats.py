"""Hindi formats over Django's: 24-hour times (Django's "g:i A" renders both 3:30 and 15:30 as
"3:30 बजे"), and Indian digit grouping (1,23,456)."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
NUMBER_GROUPING = (3, 2, 0)
