-- One fine bucket table, time first: TrafficFine takes the primary key (start, keyId) the pending
-- table had, so ticks write at the end of its index and the rollup no longer moves rows (the pending
-- fine buckets are TrafficFine's rows from the collector's rolledUpTo on, queries.ts). The pending
-- rows move in first, added where TrafficFine holds the bucket (neither code path writes one twice;
-- adding keeps every byte if a hand edit did).
INSERT INTO "TrafficFine" ("keyId", "start", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops")
SELECT "keyId", "start", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops" FROM "TrafficFinePending"
ON CONFLICT ("keyId", "start") DO UPDATE SET
    "inBytes" = "TrafficFine"."inBytes" + excluded."inBytes",
    "outBytes" = "TrafficFine"."outBytes" + excluded."outBytes",
    "inPackets" = "TrafficFine"."inPackets" + excluded."inPackets",
    "outPackets" = "TrafficFine"."outPackets" + excluded."outPackets",
    "inErrors" = "TrafficFine"."inErrors" + excluded."inErrors",
    "outErrors" = "TrafficFine"."outErrors" + excluded."outErrors",
    "inDrops" = "TrafficFine"."inDrops" + excluded."inDrops",
    "outDrops" = "TrafficFine"."outDrops" + excluded."outDrops";

-- DropTable
DROP TABLE "TrafficFinePending";

-- DropIndex (the new primary key starts with start)
DROP INDEX "TrafficFine_start_idx";

-- AlterTable
ALTER TABLE "TrafficFine" DROP CONSTRAINT "TrafficFine_pkey",
ADD CONSTRAINT "TrafficFine_pkey" PRIMARY KEY ("start", "keyId");
