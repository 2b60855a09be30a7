-- One fine bucket table, time first: TrafficFine takes the primary key (start, keyId) the pending
-- table had, so ticks write at the end of its index and the rollup no longer moves rows (the pending
-- fine buckets are TrafficFine's rows from the collector's rolledUpTo on, queries.ts). Its rows and
-- the pending ones go to the new table, summed where both hold a bucket (neither code path writes
-- one twice; summing keeps every byte if a hand edit did). Still WITHOUT ROWID: a later migration
-- that redefines the table must keep it.
CREATE TABLE "new_TrafficFine" (
    "start" BIGINT NOT NULL,
    "keyId" INTEGER NOT NULL,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("start", "keyId")
) WITHOUT ROWID;
INSERT INTO "new_TrafficFine" ("start", "keyId", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops")
SELECT "start", "keyId", SUM("inBytes"), SUM("outBytes"), SUM("inPackets"), SUM("outPackets"), SUM("inErrors"), SUM("outErrors"), SUM("inDrops"), SUM("outDrops")
FROM (
    SELECT "start", "keyId", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops" FROM "TrafficFine"
    UNION ALL
    SELECT "start", "keyId", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops" FROM "TrafficFinePending"
)
GROUP BY "start", "keyId"
ORDER BY "start", "keyId";
DROP TABLE "TrafficFine";
DROP TABLE "TrafficFinePending";
ALTER TABLE "new_TrafficFine" RENAME TO "TrafficFine";
