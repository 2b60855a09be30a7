"use client";

import { createContext, useContext, type ReactNode } from "react";

import type { TRole } from "~/server/auth/roles";

/**
 * The signed-in user, from the root layout (server-side), for the components
 * that show or hide what a role may do. Hiding is a courtesy: the server
 * refuses in the procedure builders whatever the UI shows.
 */
export type SessionUser = { username: string; role: TRole };

const SessionContext = createContext<SessionUser | null>(null);

export function SessionProvider({ user, children }: { user: SessionUser | null; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

export function useSessionUser(): SessionUser | null {
  return useContext(SessionContext);
}

export function useIsAdmin(): boolean {
  return useContext(SessionContext)?.role === "admin";
}

/** Renders its children for admins only (Attach, Detach, Edit, Save…). */
export function AdminOnly({ children, fallback = null }: { children: ReactNode; fallback?: ReactNode }) {
  return useIsAdmin() ? children : fallback;
}
