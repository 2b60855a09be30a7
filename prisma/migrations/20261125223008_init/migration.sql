-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "source" TEXT,
    "operation" TEXT NOT NULL,
    "target" TEXT,
    "params" TEXT,
    "command" TEXT,
    "exitCode" INTEGER,
    "ok" BOOLEAN NOT NULL,
    "result" TEXT
);

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");
