"""The global totals: every payment is routed to one key, where this worker adds them up.

All payment records are keyed ``total-transaction``, so one partition, and one worker, sees
them all. It keeps each payer's latest running totals in a table (one small record per payer)
and their sum in memory, rebuilt from the table whenever the partition is recovered.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from streampay_contracts import codec, topics
from streampay_contracts.views import TOTALS_KEY
from streampay_streams.adapters.publisher import Publisher
from streampay_streams.adapters.records import Emit, RawRecord
from streampay_streams.adapters.store import CodecTable
from streampay_streams.projections.totals import PayerTotals, PaymentRecorded, Totals, newer

log = structlog.get_logger(__name__)


class TotalsWorker:
    def __init__(self, table: CodecTable, publisher: Publisher) -> None:
        self._table = table
        self._publisher = publisher
        self._totals = Totals()

    async def apply(self, raws: Sequence[RawRecord]) -> None:
        """Add the batch's payments; store each payer's row once, then publish the totals."""
        changed: dict[str, tuple[int, PayerTotals]] = {}
        for raw in raws:
            row = self._one(raw)
            if row is not None:
                changed[row[0]] = (raw.partition, row[1])
        writes = [self._table.write(p, payer, row) for payer, (p, row) in changed.items()]
        await self._publisher.publish(writes)
        if changed:
            await self._publisher.publish(self._views())

    async def recovered(self) -> None:
        """Sum the payers' totals again from the recovered table, and publish them."""
        rows = [row for row in self._table.values_now() if isinstance(row, PayerTotals)]
        self._totals = Totals.of(rows)
        await self._publisher.publish(self._views())

    def _one(self, raw: RawRecord) -> tuple[str, PayerTotals] | None:
        """The payer's new row when this record tells something new, kept in the table."""
        try:
            record = codec.decode(raw.value or b"", PaymentRecorded)
        except ValueError as error:
            log.warning("unreadable payment record", offset=raw.offset, error=str(error))
            return None
        current: PayerTotals | None = self._table.read(record.payer_id)
        after = newer(current, record)
        if after is None:
            return None
        self._totals = self._totals.replace(current, after)
        self._table.keep(record.payer_id, after)
        return record.payer_id, after

    def _views(self) -> list[Emit]:
        views = self._totals.views()
        if views is None:
            return []
        total, average = views
        return [
            Emit.of(topics.TOTAL_TRANSACTIONS, TOTALS_KEY, total),
            Emit.of(topics.AVERAGE_TRANSACTIONS, TOTALS_KEY, average),
        ]
