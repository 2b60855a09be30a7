"use client";

import { Toaster as Sonner } from "sonner";

/** Where results and errors of actions appear; `toast` from "sonner" adds to it. */
export function Toaster() {
  return <Sonner position="bottom-right" richColors closeButton theme="system" />;
}

export { toast } from "sonner";
