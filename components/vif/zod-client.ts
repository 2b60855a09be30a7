import { z } from "zod";

/**
 * Imported before server/xen in browser components. zod builds its object parsers when a schema is
 * created and first probes `new Function` for its JIT; under the app's Content-Security-Policy (no
 * 'unsafe-eval') the browser reports that caught probe as a violation. In the browser zod runs
 * without JIT; the server keeps it.
 */
if (typeof window !== "undefined") z.config({ jitless: true });
