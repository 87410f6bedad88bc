"""`python -m tmdb_assets_tests.benchmark`: the benchmark's old name, kept for operators' scripts.

The benchmark lives in `benchmarks/` (outside the tests); this runs it with the same flags.
"""

import sys

from benchmarks.run import main

if __name__ == "__main__":
    sys.exit(main())
