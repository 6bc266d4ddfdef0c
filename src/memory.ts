/**
 * Returning memory after a large request (src/http/express-app.ts). A 100,000-entry publication parses,
 * coerces and checks its list in several hundred MB of short-lived objects; V8 leaves most of that garbage in
 * place until its heap limit nears, so the next large request starts on top of it and the process's resident
 * memory climbs. Once such a request is answered, one full collection (when the event loop is next free,
 * typically 100-300 ms) gives the memory back before the next one arrives.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/**
 * V8's full collection, exposed at run time (no `--expose-gc` on the command line needed; jest's
 * `--logHeapUsage` does the same). Null where the runtime refuses.
 */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

let scheduled = false;

/** Schedules one full garbage collection when the event loop is next free (several calls, one collection). */
export function collectGarbageSoon(): void {
  const gc = collector();
  if (!gc || scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    gc();
  });
}
