/**
 * `helm template` and `helm lint` on helm/scim, with values given as an object, and the rendered
 * manifests parsed into the few Kubernetes shapes the chart tests read.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const CHART = fileURLToPath(new URL('../../../helm/scim', import.meta.url));

export const RELEASE = 'acme';
export const NAMESPACE = 'identity';

export type Labels = Record<string, string>;

export interface Metadata {
  name: string;
  labels?: Labels;
  annotations?: Record<string, string>;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
}

export interface PodTemplate {
  metadata: Metadata;
  spec: { containers: Container[]; restartPolicy?: string };
}

export interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}

export interface PolicyRule {
  to?: Peer[];
  from?: Peer[];
  ports?: { port: number | string; protocol: string }[];
}

/** The union of the spec fields the tests read, across the kinds the chart renders. */
export interface Spec {
  replicas?: number;
  /** A Service's plain map, or a Deployment's or PodDisruptionBudget's { matchLabels }: see selectorOf. */
  selector?: Record<string, unknown>;
  template?: PodTemplate;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  scaleTargetRef?: { apiVersion: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: { type: string; resource: { name: string; target: { type: string; averageUtilization: number } } }[];
  podSelector?: { matchLabels: Labels };
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
  ports?: { name: string; port: number; targetPort: string | number }[];
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: Spec;
  data?: Record<string, string>;
}

export type Values = Record<string, unknown>;

async function helm(binary: string, args: string[], values: Values): Promise<{ stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'scim-chart-'));
  try {
    // JSON is YAML: helm reads it with -f as it reads a values file.
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values));
    return await run(binary, [...args, CHART, '-f', file], { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The manifests `helm install` would send, hooks included, as parsed objects. */
export async function render(binary: string, values: Values): Promise<Manifest[]> {
  const { stdout } = await helm(binary, ['template', RELEASE, '--namespace', NAMESPACE], values);
  return parseAllDocuments(stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors.map(String).join('; ')}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/** Helm's error message for values that must not render; throws when they render. */
export async function renderError(binary: string, values: Values): Promise<string> {
  try {
    await helm(binary, ['template', RELEASE, '--namespace', NAMESPACE], values);
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error);
  }
  throw new Error('helm template rendered values it should have refused');
}

/** `helm lint --strict`: its output when the chart passes; throws with it when not. */
export async function lint(binary: string, values: Values): Promise<string> {
  const { stdout } = await helm(binary, ['lint', '--strict', '--namespace', NAMESPACE], values);
  return stdout;
}

/** The one rendered object of this kind and name. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, rendered ${String(found.length)}`);
  return found[0] as Manifest;
}

/** The labels an object selects its pods by, whichever field of its kind holds them. */
export function selectorOf(manifest: Manifest): Labels {
  const { kind, spec } = manifest;
  const raw: unknown =
    kind === 'NetworkPolicy'
      ? spec?.podSelector?.matchLabels
      : kind === 'Service'
        ? spec?.selector
        : spec?.selector?.['matchLabels'];
  if (!isLabels(raw)) throw new Error(`${kind} ${manifest.metadata.name} has no label selector`);
  return raw;
}

function isLabels(value: unknown): value is Labels {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length > 0 &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** Whether a label selector (matchLabels, or a Service's plain map) selects these labels. */
export function selects(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
