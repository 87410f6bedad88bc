import sys

from tmdb_assets.cli import main

sys.exit(main())
