// Linking is background work; the API is not. On Linux the nice value belongs to a thread (man 2
// setpriority, "BUGS"), so a session thread (and a key-pool worker) can step back on its own:
// when the cores are busy, the main thread's requests and streams run first, and the sockets get
// every cycle the API leaves. Elsewhere the nice value is the whole process's: left alone.
import { getPriority, setPriority } from 'node:os';

/** How far below the main thread a background thread runs. */
export const BACKGROUND_NICE = 10;

/** Lowers the calling thread's priority by `BACKGROUND_NICE` (Linux only); returns its nice value, or null. */
export function runInBackground(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const nice = Math.min(19, getPriority() + BACKGROUND_NICE);
    setPriority(nice);
    return nice;
  } catch {
    return null; // not allowed (a seccomp profile): the thread runs as before
  }
}
