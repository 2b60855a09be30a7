import type { z } from "zod";

/**
 * A plain predicate with exactly the verdict of a simple zod schema, for
 * checking a column of ~10,000 values in a loop: zod allocates a result per
 * element and costs ~100 ns each, a predicate a few. Only the shapes the wire
 * tables use are compiled — strings with length bounds, integers with bounds,
 * enums, null, and nullable ones of these; for anything else, or any check it
 * does not know, columnCheckOf returns null and the caller uses zod itself.
 * Where a predicate says no, the caller runs zod on the column for the message:
 * zod stays the only author of validation errors.
 *
 * column-check.test.ts holds each compiled predicate to zod's verdict on
 * arbitrary values.
 */
export type ColumnCheck = (value: unknown) => boolean;

type Def = { type: string; checks?: { _zod: { def: CheckDef } }[]; innerType?: z.ZodType; entries?: Record<string, unknown> };
type CheckDef = {
  check: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  value?: number;
  inclusive?: boolean;
};

/** The definition keys each compiled type may have: any other (a format, coercion, a default…) means zod checks it. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  nullable: ["type", "innerType"],
  null: ["type"],
  enum: ["type", "entries"],
  string: ["type", "checks"],
  number: ["type", "checks"],
};

export function columnCheckOf(schema: z.ZodType): ColumnCheck | null {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const known = KNOWN_KEYS[def.type];
  if (!known || Object.keys(def).some((key) => !known.includes(key))) return null;
  switch (def.type) {
    case "nullable": {
      const inner = def.innerType ? columnCheckOf(def.innerType) : null;
      return inner && ((value) => value === null || inner(value));
    }
    case "null":
      return (value) => value === null;
    case "enum": {
      const allowed = new Set(Object.values(def.entries ?? {}));
      return (value) => allowed.has(value);
    }
    case "string":
      return stringCheck(def.checks ?? []);
    case "number":
      return numberCheck(def.checks ?? []);
    default:
      return null;
  }
}

function stringCheck(checks: { _zod: { def: CheckDef } }[]): ColumnCheck | null {
  let min = 0;
  let max = Infinity;
  for (const { _zod } of checks) {
    const check = _zod.def;
    if (check.check === "min_length" && check.minimum !== undefined) min = Math.max(min, check.minimum);
    else if (check.check === "max_length" && check.maximum !== undefined) max = Math.min(max, check.maximum);
    else return null;
  }
  return (value) => typeof value === "string" && value.length >= min && value.length <= max;
}

function numberCheck(checks: { _zod: { def: CheckDef } }[]): ColumnCheck | null {
  let safeInteger = false;
  const bounds: ((value: number) => boolean)[] = [];
  for (const { _zod } of checks) {
    const check = _zod.def;
    const limit = check.value;
    if (check.check === "number_format" && (check.format === "safeint" || check.format === "int32")) {
      // zod's int() is "safeint"; int32 adds bounds that this does not model.
      if (check.format !== "safeint") return null;
      safeInteger = true;
    } else if (check.check === "greater_than" && typeof limit === "number") {
      bounds.push(check.inclusive ? (v) => v >= limit : (v) => v > limit);
    } else if (check.check === "less_than" && typeof limit === "number") {
      bounds.push(check.inclusive ? (v) => v <= limit : (v) => v < limit);
    } else {
      return null;
    }
  }
  const [first, second, ...rest] = bounds;
  if (rest.length > 0) return null;
  // zod's number() refuses NaN and ±Infinity; its safeint refuses fractions and anything beyond 2^53 - 1.
  const isNumber = safeInteger ? (v: unknown): v is number => Number.isSafeInteger(v) : (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!first) return isNumber;
  if (!second) return (value) => isNumber(value) && first(value);
  return (value) => isNumber(value) && first(value) && second(value);
}
