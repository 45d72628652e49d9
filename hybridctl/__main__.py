"""python -m hybridctl"""

from __future__ import annotations

from hybridctl.cli.entry import main

main()
