import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [".next/**", "node_modules/**", "server/generated/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ["**/*.{js,mjs,cjs}"], languageOptions: { globals: globals.node } },
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/consistent-type-definitions": ["error", "type"],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      // Privileged code runs argument vectors, never a shell string.
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "node:child_process", importNames: ["exec", "execSync"], message: "Use an argument vector (execFile/spawn) without a shell." }] },
      ],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read settings from ~/env (env.ts); tests and scripts/stack.ts are the exceptions." },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "e2e/**", "scripts/**", "env.ts", "playwright.config.ts", "server/testing/**"],
    rules: { "no-restricted-properties": "off" },
  },
);
