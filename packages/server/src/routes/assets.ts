// Static browser bundles: `/widget/assets/*` (the widget page and element, from
// packages/widget/dist) and `/widget/loader.js` (packages/loader/dist/loader.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import express, { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { WIDGET_PATHS } from '@titan-connect/protocol';

/**
 * `packages/` seen from this file: src/routes and dist/routes sit at the same depth, so one
 * relative path serves both `tsx` runs and the built server in the repository.
 */
const PACKAGES_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export interface AssetDirs {
  widgetDist: string;
  loaderFile: string;
}

/**
 * The folder of a workspace package: through its `package.json` export (the `pnpm deploy` bundle
 * of the Docker image has it in node_modules, not beside this package), else the repository's
 * `packages/<name>`.
 */
function packageDir(name: 'widget' | 'loader'): string {
  try {
    return dirname(fileURLToPath(import.meta.resolve(`@titan-connect/${name}/package.json`)));
  } catch {
    return join(PACKAGES_DIR, name);
  }
}

export const defaultAssetDirs = (): AssetDirs => ({
  widgetDist: join(packageDir('widget'), 'dist'),
  loaderFile: join(packageDir('loader'), 'dist', 'loader.js'),
});

/** Rollup names chunks `<name>-<hash>.js`: their content never changes under that name. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.js$/;
/** Entry points keep their name across releases, so browsers must recheck them soon. */
const SHORT_CACHE = 'public, max-age=300';
const LONG_CACHE = 'public, max-age=31536000, immutable';

/** Other origins load these (the element bundle, the loader), so they are public to all. */
function crossOrigin(res: Response): void {
  res.set({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' });
}

export function assetsRouter(logger: Logger, dirs: AssetDirs = defaultAssetDirs()): Router {
  const router = Router();
  if (!existsSync(dirs.widgetDist) || !existsSync(dirs.loaderFile)) {
    logger.warn({ widgetDist: dirs.widgetDist, loaderFile: dirs.loaderFile }, 'browser bundles missing: run `pnpm build`');
  }
  router.use(
    WIDGET_PATHS.assets,
    express.static(dirs.widgetDist, {
      index: false,
      cacheControl: false,
      dotfiles: 'ignore',
      setHeaders: (res, path) => {
        crossOrigin(res);
        res.setHeader('Cache-Control', HASHED.test(path) ? LONG_CACHE : SHORT_CACHE);
      },
    }),
  );
  router.get(WIDGET_PATHS.loader, (_req, res, next) => {
    crossOrigin(res);
    res.set('Cache-Control', SHORT_CACHE);
    // Relative to its folder: `send` refuses an absolute path with a dot-folder in it, and the
    // deployed bundle's is under node_modules/.pnpm.
    const options = { root: dirname(dirs.loaderFile), headers: { 'Content-Type': 'text/javascript; charset=utf-8' } };
    res.sendFile(basename(dirs.loaderFile), options, (error) => {
      if (error && !res.headersSent) next();
    });
  });
  return router;
}
