/**
 * Request size limits for the API: a body larger than `maxBytes` is refused
 * with 413 before anything parses it, whether it declares its length
 * (Content-Length) or streams it (chunked). A POST must be JSON (tRPC's own
 * client sends application/json): other content types, which an HTML form on
 * another site could send without a CORS preflight, get 415.
 */
export async function readLimitedBody(request: Request, maxBytes: number): Promise<{ ok: true; body: Uint8Array<ArrayBuffer> } | { ok: false; response: Response }> {
  const tooLarge = () => ({
    ok: false as const,
    response: Response.json({ error: { message: `request body larger than ${maxBytes} bytes` } }, { status: 413 }),
  });
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return tooLarge();
  if (!request.body) return { ok: true, body: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, body };
}

export function isJsonContentType(headers: Headers): boolean {
  const type = headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

/** A POST's body checked for type and size, as a new Request ready for the handler; or the refusal. */
export async function limitApiRequest(request: Request, maxBytes: number): Promise<Request | Response> {
  if (request.method !== "POST") return request;
  if (!isJsonContentType(request.headers)) {
    return Response.json({ error: { message: "send application/json" } }, { status: 415 });
  }
  const read = await readLimitedBody(request, maxBytes);
  if (!read.ok) return read.response;
  return new Request(request.url, { method: "POST", headers: request.headers, body: read.body, signal: request.signal });
}
