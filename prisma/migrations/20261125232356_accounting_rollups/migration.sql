-- DropIndex
DROP INDEX "TrafficFine_start_idx";

-- AlterTable
ALTER TABLE "AccountingCollector" ADD COLUMN "hostname" TEXT;
ALTER TABLE "AccountingCollector" ADD COLUMN "rolledUpTo" BIGINT;
