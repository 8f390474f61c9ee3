"""Settings every test shares."""

import os

# Decisions must not depend on the machine that runs the tests: the cost model uses its fixed
# reference model (4 threads, a 3 µs region) unless a test measures the machine on purpose.
os.environ.setdefault("AUTOPAR_CALIBRATION", "builtin")
