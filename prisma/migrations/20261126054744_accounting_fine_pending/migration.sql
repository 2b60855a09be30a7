-- CreateTable
CREATE TABLE "TrafficFinePending" (
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
);

-- Fine buckets not rolled up yet (from the collector's rolledUpTo on, in a store whose ticks write
-- fine buckets only) move to the pending table, where ticks now write them (store.ts).
INSERT INTO "TrafficFinePending" ("start", "keyId", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops")
SELECT "start", "keyId", "inBytes", "outBytes", "inPackets", "outPackets", "inErrors", "outErrors", "inDrops", "outDrops" FROM "TrafficFine"
WHERE "start" >= (SELECT "rolledUpTo" FROM "AccountingCollector" WHERE "id" = 1 AND "fiveMinFromFine");
DELETE FROM "TrafficFine" WHERE "start" >= (SELECT "rolledUpTo" FROM "AccountingCollector" WHERE "id" = 1 AND "fiveMinFromFine");
