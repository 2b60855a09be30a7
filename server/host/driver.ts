import type { TCounterColumns, TCounters, TInventory } from "./inventory";
import type { TSecurityFacts } from "./security-facts";

/**
 * What the agent needs from a host. `sim` (server/host/sim) simulates a Xen
 * host; `xl` (server/host/xl) drives the real toolstack and reads Linux.
 * Drivers return plain values that satisfy the schemas in ./inventory; the
 * agent validates them again before they leave the process.
 *
 * attachVif and detachVif run the toolstack's command and nothing more: the
 * agent (server/agent/operations.ts) validates the request before, and checks
 * the result after (is the vif up, on its bridge?), for every driver alike.
 */
export type HostDriver = {
  readonly name: "sim" | "xl";
  readInventory(): Promise<TInventory>;
  readCounters(): Promise<TCounters>;
  /** The same as columns, where the driver reads them so more cheaply (the agent's `counters` sends these). */
  readCounterColumns?(): Promise<TCounterColumns>;
  /**
   * `xl network-attach <domain> <tokens…>`; each token one `key=value` (or a bare flag) that the
   * agent validated with server/xen. A non-zero exit throws a HostError (COMMAND_FAILED) whose
   * message is xl's own explanation, with the command and exit status in its details.
   */
  attachVif(request: TAttachRequest): Promise<TCommandOutcome>;
  /** `xl network-detach <domain> <devid>`; errors as for attachVif. */
  detachVif(request: TDetachRequest): Promise<TCommandOutcome>;
  /** What only the host can tell about its firewall and kernel settings (read-only). */
  readSecurityFacts(): Promise<TSecurityFacts>;
  close(): Promise<void>;
};

export type TAttachRequest = { domain: string; tokens: string[] };
export type TDetachRequest = { domain: string; devid: number };

/** A command the driver ran (or, for the sim, the command xl would have run) and how it ended. */
export type TCommandOutcome = {
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
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
