import { afterAll, describe, expect, it } from "vitest";

import { DB_KINDS, createTestDatabase, type TestDatabase } from "./databases";

describe.each(DB_KINDS)("a migrated %s database", (kind) => {
  let database: TestDatabase;
  afterAll(async () => database?.dispose());

  it("stores and reads back an audit event", async () => {
    database = await createTestDatabase(kind);
    const created = await database.db.auditEvent.create({
      data: { actor: "test", operation: "vif.attach", ok: false, result: "refused" },
    });
    const read = await database.db.auditEvent.findUniqueOrThrow({ where: { id: created.id } });
    expect(read).toMatchObject({ actor: "test", operation: "vif.attach", ok: false, result: "refused" });
  });
});
