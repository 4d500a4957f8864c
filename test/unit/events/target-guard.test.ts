import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  checkWebhookUrl,
  guardedLookup,
  isPublicAddress,
  resolveWebhookTarget,
} from '../../../src/events/target-guard.js';

describe('isPublicAddress: IPv4', () => {
  it.each([
    // 0.0.0.0/8 unspecified / "this network"
    ['0.0.0.0', false],
    ['0.255.255.255', false],
    ['1.0.0.0', true],
    // 10/8 private (RFC 1918)
    ['9.255.255.255', true],
    ['10.0.0.0', false],
    ['10.255.255.255', false],
    ['11.0.0.0', true],
    // 100.64/10 carrier-grade NAT (RFC 6598)
    ['100.63.255.255', true],
    ['100.64.0.0', false],
    ['100.127.255.255', false],
    ['100.128.0.0', true],
    // 127/8 loopback
    ['126.255.255.255', true],
    ['127.0.0.1', false],
    ['127.255.255.255', false],
    ['128.0.0.0', true],
    // 169.254/16 link-local, including the cloud metadata address
    ['169.253.255.255', true],
    ['169.254.0.0', false],
    ['169.254.169.254', false],
    ['169.254.255.255', false],
    ['169.255.0.0', true],
    // 172.16/12 private (RFC 1918)
    ['172.15.255.255', true],
    ['172.16.0.0', false],
    ['172.31.255.255', false],
    ['172.32.0.0', true],
    // 192.0.0/24 IETF protocol assignments
    ['191.255.255.255', true],
    ['192.0.0.0', false],
    ['192.0.0.255', false],
    ['192.0.1.0', true],
    // 192.0.2/24 documentation (TEST-NET-1)
    ['192.0.1.255', true],
    ['192.0.2.0', false],
    ['192.0.2.255', false],
    ['192.0.3.0', true],
    // 192.168/16 private (RFC 1918)
    ['192.167.255.255', true],
    ['192.168.0.0', false],
    ['192.168.255.255', false],
    ['192.169.0.0', true],
    // 198.18/15 benchmarking
    ['198.17.255.255', true],
    ['198.18.0.0', false],
    ['198.19.255.255', false],
    ['198.20.0.0', true],
    // 198.51.100/24 documentation (TEST-NET-2)
    ['198.51.99.255', true],
    ['198.51.100.0', false],
    ['198.51.100.255', false],
    ['198.51.101.0', true],
    // 203.0.113/24 documentation (TEST-NET-3)
    ['203.0.112.255', true],
    ['203.0.113.0', false],
    ['203.0.113.255', false],
    ['203.0.114.0', true],
    // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast
    ['223.255.255.255', true],
    ['224.0.0.0', false],
    ['239.255.255.255', false],
    ['240.0.0.0', false],
    ['255.255.255.254', false],
    ['255.255.255.255', false],
    // Ordinary public addresses
    ['8.8.8.8', true],
    ['93.184.215.14', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('isPublicAddress: IPv6', () => {
  it.each([
    // Unspecified and loopback, in compressed and full forms
    ['::', false],
    ['0:0:0:0:0:0:0:0', false],
    ['::1', false],
    ['0:0:0:0:0:0:0:1', false],
    ['0000:0000:0000:0000:0000:0000:0000:0001', false],
    // fe80::/10 link-local, with and without a zone index
    ['fe80::', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    // fc00::/7 unique-local (RFC 4193)
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fc00::', false],
    ['fd12:3456:789a::1', false],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    // ff00::/8 multicast
    ['ff00::', false],
    ['ff02::1', false],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    // 2001:db8::/32 documentation
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8::', false],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db9::', true],
    // Other ranges RFC 6890 and later registries mark as not global
    ['100::1', false],
    ['2001::1', false],
    ['2001:1ff:ffff::1', false],
    ['2001:200::1', true],
    ['3fff::1', false],
    ['fec0::1', false],
    ['64:ff9b:1::1', false],
    // Ordinary public addresses
    ['2606:4700:4700::1111', true],
    ['2001:4860:4860::8888', true],
    ['2a00:1450:4001:81b::200e', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it.each([
    // IPv4-mapped (::ffff:0:0/96), dotted and hex forms
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['0:0:0:0:0:ffff:169.254.169.254', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:172.16.0.0', false],
    ['::ffff:172.15.255.255', true],
    ['::ffff:8.8.8.8', true],
    ['::ffff:808:808', true],
    // IPv4-translated (::ffff:0:0:0/96)
    ['::ffff:0:7f00:1', false],
    ['::ffff:0:808:808', true],
    // IPv4-compatible (::/96, deprecated)
    ['::127.0.0.1', false],
    ['::8.8.8.8', true],
    // NAT64 well-known prefix (64:ff9b::/96)
    ['64:ff9b::127.0.0.1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::192.168.1.1', false],
    ['64:ff9b::100.64.0.0', false],
    ['64:ff9b::100.63.255.255', true],
    ['64:ff9b::8.8.8.8', true],
    ['64:ff9b::808:808', true],
    // 6to4 (2002::/16): the IPv4 address is in bits 16 to 47
    ['2002:7f00:1::', false],
    ['2002:c0a8:101::1', false],
    ['2002:a00:1:1234::5', false],
    ['2002:a9fe:a9fe::', false],
    ['2002:808:808::1', true],
    ['2002:808:808:ffff:ffff:ffff:ffff:ffff', true],
  ])('%s, which embeds an IPv4 address, is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('isPublicAddress: not an address', () => {
  it.each([
    '',
    'localhost',
    'example.com',
    '[::1]',
    '[2606:4700:4700::1111]',
    '127.1',
    '2130706433',
    '0x7f000001',
    '010.0.0.1',
    '256.0.0.1',
    ' 8.8.8.8',
    '8.8.8.8 ',
    '8.8.8.8/32',
    ':::1',
  ])('%j is not public', (input) => {
    expect(isPublicAddress(input)).toBe(false);
  });
});

function problemOf(result: { url: URL } | { problem: string }): string | undefined {
  return 'problem' in result ? result.problem : undefined;
}

describe('checkWebhookUrl', () => {
  it('accepts absolute http and https URLs and returns them parsed', () => {
    const result = checkWebhookUrl('HTTPS://Hooks.Example.COM/scim/events?source=idp#x');
    expect(result).toEqual({ url: new URL('https://hooks.example.com/scim/events?source=idp#x') });
    expect(checkWebhookUrl('http://hooks.example.com:8080/in')).toHaveProperty('url');
    expect(checkWebhookUrl('https://203.0.113.7/in')).toHaveProperty('url');
    expect(checkWebhookUrl('https://[2001:db8::1]:8443/in')).toHaveProperty('url');
  });

  it.each(['ftp://example.com/hook', 'javascript:alert(1)', 'file:///etc/passwd', 'gopher://example.com/', 'data:,x'])(
    'refuses the scheme of %s',
    (url) => {
      const problem = problemOf(checkWebhookUrl(url));
      expect(problem).toMatch(/must use http: or https:/);
      expect(problem).toContain(new URL(url).protocol);
    },
  );

  it.each([
    'https://user:secret@example.com/hook',
    'https://user@example.com/hook',
    'https://:secret@example.com/hook',
  ])('refuses credentials in %s', (url) => {
    expect(problemOf(checkWebhookUrl(url))).toMatch(/user name or password/);
  });

  it.each(['/hooks/scim', 'hooks/scim', 'example.com/hook', '', 'https://', 'http://exa mple.com/'])(
    'refuses %j, which is not an absolute URL',
    (url) => {
      expect(problemOf(checkWebhookUrl(url))).toMatch(/absolute URL/);
    },
  );

  it('accepts a URL of 2048 characters and refuses one of 2049', () => {
    const base = 'https://example.com/';
    const longest = base + 'a'.repeat(2048 - base.length);
    expect(longest).toHaveLength(2048);
    expect(checkWebhookUrl(longest)).toHaveProperty('url');
    const problem = problemOf(checkWebhookUrl(longest + 'a'));
    expect(problem).toContain('2049');
    expect(problem).toContain('2048');
  });
});

type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const fakeLookup = (addresses: { address: string; family: number }[]) =>
  vi.fn<Lookup>(() => Promise.resolve(addresses));

describe('resolveWebhookTarget', () => {
  it('returns every address of a host that resolves only to public addresses', async () => {
    const addresses = [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ];
    const lookup = fakeLookup(addresses);
    const result = await resolveWebhookTarget(new URL('https://hooks.example.com/in'), { allowPrivate: false, lookup });
    expect(result).toEqual({ addresses });
    expect(lookup).toHaveBeenCalledWith('hooks.example.com');
  });

  it('refuses a host when any of its addresses is not public, naming that address', async () => {
    const lookup = fakeLookup([
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]);
    const result = await resolveWebhookTarget(new URL('https://rebind.example.com/in'), {
      allowPrivate: false,
      lookup,
    });
    expect(result).not.toHaveProperty('addresses');
    const problem = 'problem' in result ? result.problem : '';
    expect(problem).toContain('rebind.example.com');
    expect(problem).toContain('10.0.0.5');
    expect(problem).toContain('RFC 1918');
    expect(problem).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS=true');
  });

  it('refuses a host that resolves to a mapped IPv6 form of a private address', async () => {
    const lookup = fakeLookup([{ address: '::ffff:169.254.169.254', family: 6 }]);
    const result = await resolveWebhookTarget(new URL('https://meta.example.com/'), { allowPrivate: false, lookup });
    expect(result).toHaveProperty('problem', expect.stringContaining('::ffff:169.254.169.254'));
  });

  it('allows private addresses when allowPrivate is set', async () => {
    const addresses = [
      { address: '93.184.215.14', family: 4 },
      { address: '192.168.1.10', family: 4 },
      { address: '::1', family: 6 },
    ];
    const result = await resolveWebhookTarget(new URL('http://dev.example.com:3000/'), {
      allowPrivate: true,
      lookup: fakeLookup(addresses),
    });
    expect(result).toEqual({ addresses });
  });

  it('reports a failed resolution as a problem, whether or not private targets are allowed', async () => {
    const failure = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example.com'), { code: 'ENOTFOUND' });
    for (const allowPrivate of [false, true]) {
      const lookup = vi.fn<Lookup>(() => Promise.reject(failure));
      const result = await resolveWebhookTarget(new URL('https://nowhere.example.com/'), { allowPrivate, lookup });
      const problem = 'problem' in result ? result.problem : '';
      expect(problem).toContain('nowhere.example.com');
      expect(problem).toContain('ENOTFOUND');
    }
  });

  it('reports a resolution without addresses as a problem', async () => {
    const result = await resolveWebhookTarget(new URL('https://empty.example.com/'), {
      allowPrivate: false,
      lookup: fakeLookup([]),
    });
    expect(result).toHaveProperty('problem', expect.stringContaining('empty.example.com'));
  });

  it('judges IP-literal hosts without looking them up', async () => {
    const lookup = fakeLookup([{ address: '93.184.215.14', family: 4 }]);
    const refused = await resolveWebhookTarget(new URL('http://127.0.0.1:8080/in'), { allowPrivate: false, lookup });
    expect(refused).toHaveProperty('problem', expect.stringContaining('127.0.0.1'));
    const allowed = await resolveWebhookTarget(new URL('http://127.0.0.1:8080/in'), { allowPrivate: true, lookup });
    expect(allowed).toEqual({ addresses: [{ address: '127.0.0.1', family: 4 }] });
    const publicLiteral = await resolveWebhookTarget(new URL('https://93.184.215.14/'), {
      allowPrivate: false,
      lookup,
    });
    expect(publicLiteral).toEqual({ addresses: [{ address: '93.184.215.14', family: 4 }] });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('judges bracketed IPv6 hosts without looking them up', async () => {
    const lookup = fakeLookup([{ address: '93.184.215.14', family: 4 }]);
    const refused = await resolveWebhookTarget(new URL('http://[::1]:8080/'), { allowPrivate: false, lookup });
    expect(refused).toHaveProperty('problem', expect.stringContaining('::1'));
    const allowed = await resolveWebhookTarget(new URL('http://[::1]:8080/'), { allowPrivate: true, lookup });
    expect(allowed).toEqual({ addresses: [{ address: '::1', family: 6 }] });
    const publicLiteral = await resolveWebhookTarget(new URL('https://[2606:4700:4700::1111]/'), {
      allowPrivate: false,
      lookup,
    });
    expect(publicLiteral).toEqual({ addresses: [{ address: '2606:4700:4700::1111', family: 6 }] });
    expect(lookup).not.toHaveBeenCalled();
  });

  it.each(['http://0x7f.1/', 'http://2130706433/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:0:0:1]/'])(
    'refuses %s, an unusual spelling of a loopback address, without looking it up',
    async (url) => {
      const lookup = fakeLookup([{ address: '93.184.215.14', family: 4 }]);
      const result = await resolveWebhookTarget(new URL(url), { allowPrivate: false, lookup });
      expect(result).toHaveProperty('problem');
      expect(lookup).not.toHaveBeenCalled();
    },
  );

  it('resolves with the system resolver by default', async () => {
    // localhost comes from the hosts file: nothing leaves the machine.
    const result = await resolveWebhookTarget(new URL('http://localhost:8080/'), { allowPrivate: false });
    expect(result).toHaveProperty('problem', expect.stringContaining('localhost'));
  });
});

interface LookupResult {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family: number | undefined;
}

function callLookup(lookup: LookupFunction, hostname: string, options: LookupOptions): Promise<LookupResult> {
  return new Promise((resolve) => {
    lookup(hostname, options, (error, address, family) => {
      resolve({ error, address, family });
    });
  });
}

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.');

describe('guardedLookup', () => {
  it.each([
    ['localhost', { all: true }],
    ['localhost', { all: false }],
    ['localhost', {}],
    ['127.0.0.1', { all: true }],
    ['127.0.0.1', { all: false, family: 4 }],
  ])('refuses %s with %j when private targets are not allowed', async (hostname, options) => {
    const { error } = await callLookup(guardedLookup(false), hostname, options);
    expect(error?.code).toBe('ERR_WEBHOOK_TARGET_FORBIDDEN');
    expect(error?.message).toContain(hostname);
    expect(error?.message).toMatch(/127\.0\.0\.1|::1/);
  });

  it.each(['localhost', '127.0.0.1'])('returns every address of %s for all: true when allowed', async (hostname) => {
    const { error, address } = await callLookup(guardedLookup(true), hostname, { all: true });
    expect(error).toBeNull();
    expect(Array.isArray(address)).toBe(true);
    const addresses = address as LookupAddress[];
    expect(addresses.length).toBeGreaterThan(0);
    for (const entry of addresses) {
      expect(isLoopback(entry.address)).toBe(true);
      expect([4, 6]).toContain(entry.family);
    }
  });

  it.each(['localhost', '127.0.0.1'])('returns one address of %s for all: false when allowed', async (hostname) => {
    const { error, address, family } = await callLookup(guardedLookup(true), hostname, { all: false });
    expect(error).toBeNull();
    expect(typeof address).toBe('string');
    expect(isLoopback(address as string)).toBe(true);
    expect([4, 6]).toContain(family);
  });

  it('honours the family the caller asks for', async () => {
    const { error, address, family } = await callLookup(guardedLookup(true), 'localhost', { family: 4 });
    expect(error).toBeNull();
    expect(address).toBe('127.0.0.1');
    expect(family).toBe(4);
  });

  it('stops http.request before it connects, and lets it through when allowed', async () => {
    let connections = 0;
    const server = http.createServer((_request, response) => response.end('ok'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (allowPrivate: boolean) =>
      new Promise<number>((resolve, reject) => {
        const request = http.get(
          { host: 'localhost', port, family: 4, lookup: guardedLookup(allowPrivate), agent: false },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
      });
    try {
      await expect(get(false)).rejects.toMatchObject({ code: 'ERR_WEBHOOK_TARGET_FORBIDDEN' });
      expect(connections).toBe(0);
      await expect(get(true)).resolves.toBe(200);
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
