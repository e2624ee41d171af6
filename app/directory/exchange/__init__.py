"""The directory as a file: its formats (formats.py), the export (exporting.py) and the
all-or-nothing import (importing.py)."""
