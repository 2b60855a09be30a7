-- CreateTable
CREATE TABLE "AccountingKey" (
    "id" SERIAL NOT NULL,
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
    "outDrops" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "AccountingKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingIncarnation" (
    "id" SERIAL NOT NULL,
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

    CONSTRAINT "AccountingIncarnation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingCollector" (
    "id" INTEGER NOT NULL,
    "lastTickAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL,

    CONSTRAINT "AccountingCollector_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingGap" (
    "id" SERIAL NOT NULL,
    "fromAt" BIGINT NOT NULL,
    "toAt" BIGINT NOT NULL,

    CONSTRAINT "AccountingGap_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingEvent" (
    "id" SERIAL NOT NULL,
    "at" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT,
    "detail" TEXT NOT NULL,

    CONSTRAINT "AccountingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingFinalSample" (
    "id" SERIAL NOT NULL,
    "at" BIGINT NOT NULL,
    "payload" TEXT NOT NULL,

    CONSTRAINT "AccountingFinalSample_pkey" PRIMARY KEY ("id")
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

    CONSTRAINT "TrafficFine_pkey" PRIMARY KEY ("keyId","start")
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

    CONSTRAINT "TrafficFiveMin_pkey" PRIMARY KEY ("keyId","start")
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

    CONSTRAINT "TrafficHour_pkey" PRIMARY KEY ("keyId","start")
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

    CONSTRAINT "TrafficDay_pkey" PRIMARY KEY ("keyId","start")
);

-- CreateTable
CREATE TABLE "AccountingQuota" (
    "id" SERIAL NOT NULL,
    "keyId" INTEGER NOT NULL,
    "metric" TEXT NOT NULL,
    "monthlyBytes" BIGINT NOT NULL,
    "thresholds" TEXT NOT NULL,

    CONSTRAINT "AccountingQuota_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingAlert" (
    "id" SERIAL NOT NULL,
    "keyId" INTEGER NOT NULL,
    "periodStart" BIGINT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "at" BIGINT NOT NULL,
    "usedBytes" BIGINT NOT NULL,
    "quotaBytes" BIGINT NOT NULL,

    CONSTRAINT "AccountingAlert_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "AccountingIncarnation" ADD CONSTRAINT "AccountingIncarnation_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingQuota" ADD CONSTRAINT "AccountingQuota_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingAlert" ADD CONSTRAINT "AccountingAlert_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "AccountingKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
