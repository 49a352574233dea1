import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { makeTestServer, type TestServer } from '../test-support/server.js';
import { defaultAssetDirs } from './assets.js';

let dir: string;
let server: TestServer;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'titan-assets-'));
  mkdirSync(join(dir, 'widget'));
  writeFileSync(join(dir, 'widget', 'page.js'), 'export const page = 1;');
  writeFileSync(join(dir, 'widget', 'shared-3f9a1c2bd7.js'), 'export const chunk = 1;');
  writeFileSync(join(dir, 'widget', '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'loader.js'), 'window.TitanWidget = {};');
  server = makeTestServer({ extra: { assets: { widgetDist: join(dir, 'widget'), loaderFile: join(dir, 'loader.js') } } });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('bundles are served with CORS * and the right cache lifetime', async () => {
  const CASES: [string, RegExp, string][] = [
    ['/widget/assets/page.js', /page = 1/, 'public, max-age=300'],
    ['/widget/assets/shared-3f9a1c2bd7.js', /chunk = 1/, 'public, max-age=31536000, immutable'],
    ['/widget/loader.js', /TitanWidget/, 'public, max-age=300'],
  ];
  for (const [path, body, cache] of CASES) {
    const res = await request(server.app).get(path).expect(200);
    assert.match(res.text, body, path);
    assert.match(res.headers['content-type']!, /javascript/, path);
    assert.equal(res.headers['cache-control'], cache, path);
    assert.equal(res.headers['access-control-allow-origin'], '*', path);
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', path);
  }
});

test('missing files, dotfiles and path tricks are JSON 404s', async () => {
  for (const path of ['/widget/assets/nope.js', '/widget/assets/.env', '/widget/assets/../loader.js', '/widget/assets/%2e%2e/loader.js', '/widget/assets/']) {
    const res = await request(server.app).get(path);
    assert.equal(res.status, 404, path);
    assert.ok(!res.text.includes('SECRET=1'), path);
  }
});

test('a missing loader build is a 404, not a 500', async () => {
  const bare = makeTestServer({ extra: { assets: { widgetDist: join(dir, 'nowhere'), loaderFile: join(dir, 'nowhere.js') } } });
  try {
    const res = await request(bare.app).get('/widget/loader.js').expect(404);
    assert.equal(res.body.code, 'NOT_FOUND');
    assert.match(bare.logs(), /browser bundles missing/);
  } finally {
    await bare.close();
  }
});

test('the default folders are the widget and loader packages', async () => {
  const dirs = defaultAssetDirs();
  assert.match(dirs.widgetDist, /packages\/widget\/dist$/);
  assert.match(dirs.loaderFile, /packages\/loader\/dist\/loader\.js$/);
});
