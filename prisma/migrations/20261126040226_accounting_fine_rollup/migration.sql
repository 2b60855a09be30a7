-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AccountingCollector" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lastTickAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL,
    "rolledUpTo" BIGINT,
    "fiveMinFromFine" BOOLEAN NOT NULL DEFAULT false,
    "hostname" TEXT,
    "rawState" BLOB
);
INSERT INTO "new_AccountingCollector" ("hostname", "id", "lastTickAt", "rawState", "rolledUpTo", "updatedAt") SELECT "hostname", "id", "lastTickAt", "rawState", "rolledUpTo", "updatedAt" FROM "AccountingCollector";
DROP TABLE "AccountingCollector";
ALTER TABLE "new_AccountingCollector" RENAME TO "AccountingCollector";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "TrafficFine_start_idx" ON "TrafficFine"("start");
