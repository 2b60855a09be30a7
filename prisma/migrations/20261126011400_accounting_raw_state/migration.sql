-- AlterTable
ALTER TABLE "AccountingCollector" ADD COLUMN "rawState" BLOB;
