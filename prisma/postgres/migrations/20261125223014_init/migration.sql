-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "source" TEXT,
    "operation" TEXT NOT NULL,
    "target" TEXT,
    "params" TEXT,
    "command" TEXT,
    "exitCode" INTEGER,
    "ok" BOOLEAN NOT NULL,
    "result" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");
