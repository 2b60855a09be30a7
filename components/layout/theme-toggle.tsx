"use client";

import { Monitor, Moon, Sun } from "lucide-react";
import { useState } from "react";

import { THEME_COOKIE, THEMES, type Theme } from "./theme";

const ICON = { system: Monitor, light: Sun, dark: Moon } as const;

/** Cycles system → light → dark; the choice is kept in a cookie the server reads on the next page. */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);
  const Icon = ICON[theme];
  const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length] as Theme;
  return (
    <button
      type="button"
      onClick={() => {
        document.documentElement.classList.remove(...THEMES);
        document.documentElement.classList.add(next);
        document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
        setTheme(next);
      }}
      className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-300 dark:hover:bg-slate-800"
      aria-label={`Theme: ${theme}. Switch to ${next}`}
    >
      <Icon className="size-4" aria-hidden />
      <span className="capitalize">{theme} theme</span>
    </button>
  );
}
