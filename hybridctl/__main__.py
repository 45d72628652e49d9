"""python -m hybridctl"""

from __future__ import annotations

from hybridctl.cli.main import main

main()
