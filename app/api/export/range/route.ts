import { handleRangeExport } from "~/server/accounting/http";
import { accountingHttpDeps } from "~/server/accounting/http-deps";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return handleRangeExport(request, accountingHttpDeps());
}
