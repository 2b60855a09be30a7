-- AlterTable
ALTER TABLE "AccountingCollector" ADD COLUMN     "fiveMinFromFine" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "TrafficFine_start_idx" ON "TrafficFine"("start");
