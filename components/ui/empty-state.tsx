import type { ReactNode } from "react";

import { Card, CardBody } from "./card";

/** What a list shows when it has nothing, or when loading it failed. */
export function EmptyState({ title, children, tone = "muted" }: { title: string; children?: ReactNode; tone?: "muted" | "error" }) {
  return (
    <Card role={tone === "error" ? "alert" : "status"}>
      <CardBody>
        <h2 className={tone === "error" ? "font-semibold text-red-700 dark:text-red-400" : "font-semibold"}>{title}</h2>
        {children && <div className="mt-1 text-sm text-slate-600 dark:text-slate-400">{children}</div>}
      </CardBody>
    </Card>
  );
}
