-- DropIndex
DROP INDEX "TrafficFine_start_idx";

-- AlterTable
ALTER TABLE "AccountingCollector" ADD COLUMN     "hostname" TEXT,
ADD COLUMN     "rolledUpTo" BIGINT;
