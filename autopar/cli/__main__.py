"""`python -m autopar.cli`: the `autopar` command."""

import sys

from autopar.cli.main import program

if __name__ == "__main__":
    sys.exit(program())
