"""`python -m voucher_batch` runs the command line."""

from .cli import main

main(prog_name="voucher-batch")
