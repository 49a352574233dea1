import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWebhookUrl, isForbiddenAddress, WebhookUrlError, type ResolveAll } from './ssrf.js';

const ADDRESSES: [address: string, forbidden: boolean][] = [
  ['127.0.0.1', true],
  ['127.255.255.254', true],
  ['0.0.0.0', true],
  ['0.1.2.3', true],
  ['10.0.0.1', true],
  ['172.16.0.1', true],
  ['172.31.255.255', true],
  ['192.168.1.1', true],
  ['100.64.0.1', true],
  ['100.127.255.255', true],
  ['100.100.100.200', true],
  ['169.254.169.254', true],
  ['169.254.0.1', true],
  ['224.0.0.1', true],
  ['239.255.255.250', true],
  ['240.0.0.1', true],
  ['255.255.255.255', true],
  ['192.0.0.170', true],
  ['198.18.0.1', true],
  ['::', true],
  ['::1', true],
  ['[::1]', true],
  ['::ffff:127.0.0.1', true],
  ['::ffff:7f00:1', true],
  ['::ffff:10.0.0.1', true],
  ['::ffff:169.254.169.254', true],
  ['::127.0.0.1', true],
  ['64:ff9b::a9fe:a9fe', true],
  ['2002:a00:1::1', true],
  ['fc00::1', true],
  ['fd12:3456::1', true],
  ['fd00:ec2::254', true],
  ['fe80::1', true],
  ['fe80::1%eth0', true],
  ['ff02::1', true],
  ['2001:db8::1', true],
  ['0x7f000001', true],
  ['2130706433', true],
  ['not an address', true],
  ['', true],
  ['8.8.8.8', false],
  ['1.1.1.1', false],
  ['172.32.0.1', false],
  ['100.128.0.1', false],
  ['169.255.0.1', false],
  ['2606:4700:4700::1111', false],
  ['2a03:2880:f10c:83:face:b00c:0:25de', false],
  ['::ffff:8.8.8.8', false],
  ['64:ff9b::808:808', false],
];

test('isForbiddenAddress: loopback, private, ULA, link-local, CGNAT, metadata, multicast, reserved; public ones pass', () => {
  for (const [address, forbidden] of ADDRESSES) assert.equal(isForbiddenAddress(address), forbidden, address);
});

/** A resolver with fixed answers, so a test decides where a name points. */
const resolver =
  (answers: Record<string, string[]>): ResolveAll =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const lookup = resolver({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.example.com': ['10.0.0.1'],
  'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
  'metadata.example.com': ['fd00:ec2::254'],
  'empty.example.com': [],
});

describe('checkWebhookUrl', () => {
  const REFUSED: [url: string, message: RegExp][] = [
    ['http://127.0.0.1/hook', /must use https/],
    ['http://[::1]/hook', /must use https/],
    ['http://hooks.example.com/hook', /must use https/],
    ['https://127.0.0.1/hook', /127\.0\.0\.1 resolves to a private address/],
    ['https://[::1]/hook', /::1 resolves to a private address/],
    ['https://0x7f000001/hook', /127\.0\.0\.1 resolves to a private address/],
    ['https://2130706433/hook', /127\.0\.0\.1 resolves to a private address/],
    ['https://127.1/hook', /127\.0\.0\.1 resolves to a private address/],
    ['https://[::ffff:127.0.0.1]/hook', /resolves to a private address/],
    ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 resolves to a private address/],
    ['https://[fd00:ec2::254]/', /resolves to a private address/],
    ['https://internal.example.com/hook', /internal\.example\.com resolves to a private address \(10\.0\.0\.1/],
    ['https://mixed.example.com/hook', /mixed\.example\.com resolves to a private address \(127\.0\.0\.1/],
    ['https://metadata.example.com/hook', /resolves to a private address \(fd00:ec2::254/],
    ['https://nowhere.example.com/hook', /does not resolve \(ENOTFOUND\)/],
    ['https://empty.example.com/hook', /does not resolve/],
    ['https://user:pass@hooks.example.com/hook', /username or password/],
    ['https://token@hooks.example.com/hook', /username or password/],
    ['ftp://hooks.example.com/hook', /must use https \(got ftp:\)/],
    ['/relative/hook', /not an absolute URL/],
    ['not a url', /not an absolute URL/],
  ];
  for (const [url, message] of REFUSED) {
    test(`refuses ${url}`, async () => {
      await assert.rejects(checkWebhookUrl(url, { allowPrivate: false, lookup }), (error: unknown) => {
        assert.ok(error instanceof WebhookUrlError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('allows public hosts and public IP literals', async () => {
    for (const url of ['https://hooks.example.com/hook', 'https://hooks.example.com:8443/a?b=c', 'https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]/hook']) {
      await checkWebhookUrl(url, { allowPrivate: false, lookup });
    }
  });

  test('allowPrivate lets http and private addresses through, and never resolves', async () => {
    const noLookup: ResolveAll = async () => assert.fail('allowPrivate must not need the resolver');
    for (const url of ['http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'https://169.254.169.254/', 'http://internal.example.com/']) {
      await checkWebhookUrl(url, { allowPrivate: true, lookup: noLookup });
    }
    // Still a web URL without credentials, whatever the network rules.
    await assert.rejects(checkWebhookUrl('ftp://127.0.0.1/', { allowPrivate: true }), WebhookUrlError);
    await assert.rejects(checkWebhookUrl('http://u:p@127.0.0.1/', { allowPrivate: true }), WebhookUrlError);
  });

  test('the system resolver is the default: localhost is refused', async () => {
    await assert.rejects(checkWebhookUrl('https://localhost/hook', { allowPrivate: false }), /localhost resolves to a private address/);
  });
});
