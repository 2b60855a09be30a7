-- CreateTable
CREATE TABLE "AccountingKey" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "domain" TEXT,
    "devid" INTEGER,
    "vifname" TEXT,
    "mac" TEXT,
    "bridge" TEXT,
    "firstSeenAt" BIGINT NOT NULL,
    "lastSeenAt" BIGINT NOT NULL,
    "maxBitsPerSec" BIGINT,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "AccountingIncarnation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "keyId" INTEGER NOT NULL,
    "kernelName" TEXT NOT NULL,
    "ifindex" INTEGER NOT NULL,
    "domid" INTEGER,
    "mac" TEXT,
    "bridge" TEXT,
    "firstSeenAt" BIGINT NOT NULL,
    "lastSeenAt" BIGINT NOT NULL,
    "endedAt" BIGINT,
    "endReason" TEXT,
    "rawRxBytes" BIGINT NOT NULL,
    "rawTxBytes" BIGINT NOT NULL,
    "rawRxPackets" BIGINT NOT NULL,
    "rawTxPackets" BIGINT NOT NULL,
    "rawRxErrors" BIGINT NOT NULL,
    "rawTxErrors" BIGINT NOT NULL,
    "rawRxDrops" BIGINT NOT NULL,
    "rawTxDrops" BIGINT NOT NULL,
    CONSTRAINT "AccountingIncarnation_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AccountingCollector" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lastTickAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "AccountingGap" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fromAt" BIGINT NOT NULL,
    "toAt" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "AccountingEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT,
    "detail" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AccountingFinalSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" BIGINT NOT NULL,
    "payload" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "TrafficFine" (
    "keyId" INTEGER NOT NULL,
    "start" BIGINT NOT NULL,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("keyId", "start")
);

-- CreateTable
CREATE TABLE "TrafficFiveMin" (
    "keyId" INTEGER NOT NULL,
    "start" BIGINT NOT NULL,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("keyId", "start")
);

-- CreateTable
CREATE TABLE "TrafficHour" (
    "keyId" INTEGER NOT NULL,
    "start" BIGINT NOT NULL,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("keyId", "start")
);

-- CreateTable
CREATE TABLE "TrafficDay" (
    "keyId" INTEGER NOT NULL,
    "start" BIGINT NOT NULL,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "inPackets" BIGINT NOT NULL DEFAULT 0,
    "outPackets" BIGINT NOT NULL DEFAULT 0,
    "inErrors" BIGINT NOT NULL DEFAULT 0,
    "outErrors" BIGINT NOT NULL DEFAULT 0,
    "inDrops" BIGINT NOT NULL DEFAULT 0,
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("keyId", "start")
);

-- CreateTable
CREATE TABLE "AccountingQuota" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "keyId" INTEGER NOT NULL,
    "metric" TEXT NOT NULL,
    "monthlyBytes" BIGINT NOT NULL,
    "thresholds" TEXT NOT NULL,
    CONSTRAINT "AccountingQuota_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AccountingAlert" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "keyId" INTEGER NOT NULL,
    "periodStart" BIGINT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "at" BIGINT NOT NULL,
    "usedBytes" BIGINT NOT NULL,
    "quotaBytes" BIGINT NOT NULL,
    CONSTRAINT "AccountingAlert_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "AccountingKey_key_key" ON "AccountingKey"("key");

-- CreateIndex
CREATE INDEX "AccountingIncarnation_keyId_firstSeenAt_idx" ON "AccountingIncarnation"("keyId", "firstSeenAt");

-- CreateIndex
CREATE INDEX "AccountingIncarnation_endedAt_idx" ON "AccountingIncarnation"("endedAt");

-- CreateIndex
CREATE INDEX "AccountingGap_fromAt_idx" ON "AccountingGap"("fromAt");

-- CreateIndex
CREATE INDEX "AccountingEvent_at_idx" ON "AccountingEvent"("at");

-- CreateIndex
CREATE INDEX "TrafficFine_start_idx" ON "TrafficFine"("start");

-- CreateIndex
CREATE INDEX "TrafficFiveMin_start_idx" ON "TrafficFiveMin"("start");

-- CreateIndex
CREATE INDEX "TrafficHour_start_idx" ON "TrafficHour"("start");

-- CreateIndex
CREATE INDEX "TrafficDay_start_keyId_idx" ON "TrafficDay"("start", "keyId");

-- CreateIndex
CREATE UNIQUE INDEX "AccountingQuota_keyId_key" ON "AccountingQuota"("keyId");

-- CreateIndex
CREATE INDEX "AccountingAlert_at_idx" ON "AccountingAlert"("at");

-- CreateIndex
CREATE UNIQUE INDEX "AccountingAlert_keyId_periodStart_threshold_key" ON "AccountingAlert"("keyId", "periodStart", "threshold");
