import { z } from "zod";

import { ZConfigFileInfoSchema, ZConfigNameSchema } from "~/server/agent/protocol";
import { forgetPosture } from "~/server/api/routers/security";
import { adminProcedure, createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { parseXlConfig, validateXlConfigs } from "~/server/xen";

const ZDiagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(["error", "warning", "info"]),
  message: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  hint: z.string().optional(),
});

const ZValidationSchema = z.strictObject({
  ok: z.boolean(),
  diagnostics: z.array(ZDiagnosticSchema.passthrough()),
});

export const configRouter = createTRPCRouter({
  /** The domain config files in the agent's config directory. */
  list: viewerProcedure.output(z.array(ZConfigFileInfoSchema)).query(({ ctx }) => ctx.callAgent("listConfigs", {})),

  /** One file, its hash (for a later save) and xl's verdict on it. */
  read: viewerProcedure
    .input(z.strictObject({ name: ZConfigNameSchema }))
    .output(ZConfigFileInfoSchema.extend({ content: z.string(), validation: ZValidationSchema }))
    .query(async ({ ctx, input }) => {
      const file = await ctx.callAgent("readConfig", input);
      const parsed = parseXlConfig(file.content, { source: file.name });
      return { ...file, validation: { ok: parsed.ok, diagnostics: parsed.diagnostics } };
    }),

  /**
   * Checks a draft against xl's rules and the live host (bridges that exist, MACs in use here
   * and in every other config file). Pure: nothing is written.
   */
  validate: viewerProcedure
    .input(z.strictObject({ name: ZConfigNameSchema, content: z.string().max(256 * 1024) }))
    .output(ZValidationSchema)
    .mutation(async ({ ctx, input }) => {
      const [inventory, files] = await Promise.all([ctx.callAgent("inventory", {}), ctx.callAgent("listConfigs", {})]);
      const others = await Promise.all(
        files.filter((f) => f.name !== input.name).map((f) => ctx.callAgent("readConfig", { name: f.name })),
      );
      const result = validateXlConfigs(
        [{ name: input.name, text: input.content }, ...others.map((f) => ({ name: f.name, text: f.content }))],
        {
          bridges: inventory.bridges.map((b) => b.name),
          macsInUse: inventory.vifs
            .filter((v) => v.kind === "vif")
            .map((v) => ({ mac: v.mac, where: `${v.kernelName} (${v.domain}, devid ${v.devid})` })),
          networkMode: inventory.host.networkMode,
        },
      );
      const mine = result.files.find((f) => f.name === input.name);
      const diagnostics = mine?.diagnostics ?? [];
      return { ok: !diagnostics.some((d) => d.severity === "error"), diagnostics };
    }),

  /** Saves a file atomically if it is unchanged since it was read (else CONFLICT). */
  write: adminProcedure
    .input(
      z.strictObject({
        name: ZConfigNameSchema,
        content: z.string().max(256 * 1024),
        expectedSha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.callAgent("writeConfig", input);
      } finally {
        // The posture checks config files too (vifs without ip=, MACs): read it again.
        forgetPosture();
      }
    }),
});
