-- CreateTable
CREATE TABLE "TrafficPeak" (
    "keyId" INTEGER NOT NULL,
    "periodStart" BIGINT NOT NULL,
    "direction" INTEGER NOT NULL,
    "start" BIGINT NOT NULL,
    "bytes" BIGINT NOT NULL,

    PRIMARY KEY ("keyId", "periodStart", "direction", "start")
);

-- CreateTable
CREATE TABLE "TrafficPeakPeriod" (
    "periodStart" BIGINT NOT NULL PRIMARY KEY,
    "periodEnd" BIGINT NOT NULL,
    "coveredFrom" BIGINT NOT NULL,
    "keep" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "TrafficPeak_periodStart_keyId_direction_bytes_idx" ON "TrafficPeak"("periodStart", "keyId", "direction", "bytes");
