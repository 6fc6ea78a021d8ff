"""`python -m chaverim_admin.devstack run`: the whole dashboard on one machine (what `make run` does)."""

import sys

from chaverim_admin.devstack.launcher import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
