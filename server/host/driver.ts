import type { TCounters, TInventory } from "./inventory";

/**
 * What the agent needs from a host. `sim` (server/host/sim) simulates a Xen
 * host; `xl` (server/host/xl) drives the real toolstack and reads Linux.
 * Drivers return plain values that satisfy the schemas in ./inventory; the
 * agent validates them again before they leave the process.
 */
export type HostDriver = {
  readonly name: "sim" | "xl";
  readInventory(): Promise<TInventory>;
  readCounters(): Promise<TCounters>;
  close(): Promise<void>;
};

/** A failure the caller can act on; `code` is stable, `message` says what and how to fix. */
export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    readonly details: { command?: string[]; exitCode?: number | null; stderr?: string } = {},
  ) {
    super(message);
    this.name = "HostError";
  }
}

export type HostErrorCode =
  | "NOT_FOUND"
  | "INVALID_INPUT"
  | "COMMAND_FAILED"
  | "COMMAND_TIMEOUT"
  | "COMMAND_MISSING"
  | "UNPARSABLE_OUTPUT"
  | "CONFLICT"
  | "UNAVAILABLE";
