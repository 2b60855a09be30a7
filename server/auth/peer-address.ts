import http from "node:http";

import { PEER_ADDRESS_HEADER } from "./source-address";

/**
 * Stamps every incoming HTTP request with its TCP peer's address, in
 * PEER_ADDRESS_HEADER, before Next.js sees it (route handlers get no socket,
 * and Next.js keeps a client-sent X-Forwarded-For as is). A client-sent value
 * of that header is overwritten. Called once from instrumentation.ts.
 */
export function stampPeerAddresses(): void {
  const prototype = http.Server.prototype as http.Server & { vifdeckPeerStamp?: true };
  if (prototype.vifdeckPeerStamp) return;
  prototype.vifdeckPeerStamp = true;
  const emit = prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      request.headers[PEER_ADDRESS_HEADER] = request.socket.remoteAddress ?? "";
    }
    return emit.call(this, event, ...args);
  } as typeof prototype.emit;
}
