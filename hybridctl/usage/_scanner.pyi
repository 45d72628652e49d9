from collections.abc import Sequence
from typing import Any

class Aggregator:
    def __init__(
        self,
        fields: Sequence[Sequence[str]],
        punt: Sequence[str],
        boundaries: Sequence[int],
        log_gamma: float,
        min_latency: float,
        long_input: int = -1,
        ok_statuses: Sequence[str] = (),
        any_fraction: bool = False,
    ) -> None: ...
    def feed(self, data: bytes | bytearray | memoryview) -> tuple[list[int], int, int, int]: ...
    def set_columns(self, names: Sequence[str]) -> None: ...
    def feed_csv(
        self, data: bytes | bytearray | memoryview, at_eof: bool
    ) -> tuple[list[int], int, int, int, int, bool]: ...
    def cells(self) -> dict[tuple[int, str, str, str, str, str, bool], list[Any]]: ...
