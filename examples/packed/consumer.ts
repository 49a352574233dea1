// A fresh app outside the workspace, as a user would have it: the `pnpm pack` tarballs of
// protocol, loader and widget installed with npm in an empty temp folder (no workspace links, no
// `source` condition), plus whatever the test needs from the registry (React and Vue types).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const ROOT = new URL('../../', import.meta.url).pathname;
export const PACKAGES = ['protocol', 'loader', 'widget'] as const;
/** What each package must have built before it can be packed. */
const BUILT = ['packages/protocol/dist/index.js', 'packages/loader/dist/pure.js', 'packages/widget/dist/connect-widget.js', 'packages/widget/custom-elements.json'];

export interface Consumer {
  dir: string;
  /** Tarball path by package short name. */
  tarballs: Record<(typeof PACKAGES)[number], string>;
  close(): void;
}

/** Runs a command, failing with its output (npm and tsc explain themselves on stdout). */
export async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, maxBuffer: 32 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/**
 * Packs the three packages and installs them, with `extra` registry packages, in a new temp
 * folder. Only `pnpm pack` turns `workspace:*` into a version; the consumer lists protocol
 * itself so npm takes the widget's and loader's `@titan-connect/protocol@0.1.0` from the tarball
 * instead of asking the registry for an unpublished package.
 */
export async function createConsumer(extra: Record<string, string> = {}): Promise<Consumer> {
  const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`pnpm build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'titan-consumer-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    const tarballs = {} as Consumer['tarballs'];
    for (const name of PACKAGES) {
      await run('pnpm', ['pack', '--pack-destination', packs], join(ROOT, 'packages', name));
      const file = readdirSync(packs).find((f) => f.startsWith(`titan-connect-${name}-`));
      if (!file) throw new Error(`pnpm pack wrote no tarball for ${name}`);
      tarballs[name] = join(packs, file);
    }
    const dependencies = Object.fromEntries(PACKAGES.map((name) => [`@titan-connect/${name}`, `file:${tarballs[name]}`]));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { ...dependencies, ...extra } }, null, 2));
    // --prefer-offline: the npm cache answers repeat runs; the registry only fills what it lacks.
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
    return { dir, tarballs, close };
  } catch (error) {
    close();
    throw error;
  }
}
