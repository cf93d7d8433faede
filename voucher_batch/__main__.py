"""`python -m voucher_batch` runs the command line."""

from .cli import run

run()
