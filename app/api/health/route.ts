/** Liveness of the web process, for systemd, load balancers and the test stack. */
export function GET() {
  return Response.json({ ok: true });
}

export const dynamic = "force-dynamic";
