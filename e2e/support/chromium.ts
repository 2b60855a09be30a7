/**
 * How the project starts Debian's Chromium (STACK.md): no sandbox as root, no GPU, and none of
 * the background networking that floods a closed network. Playwright and the Lighthouse
 * benchmark use the same list.
 */
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
