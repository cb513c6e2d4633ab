import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_HEARTBEAT_MS } from '../../src/stream/stream-hub.js';

// No container runtime runs here: these tests check what can be checked without one. The Dockerfile,
// compose.yaml and the kustomize base are read as files and held against the app they deploy.

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const defaultGraceMs = loadConfig({}).shutdown.graceMs;

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages (by name) and their instructions, continuation lines joined. */
function dockerfileStages(text: string): Map<string, Instruction[]> {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      current = [];
      stages.set(/\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? String(stages.size), current);
    }
    current.push(instruction);
  }
  return stages;
}

const argsOf = (stage: Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);
/** An exec-form (JSON array) instruction's words. */
const execForm = (args: string) => JSON.parse(args.replace(/^--\S+\s+/g, '')) as string[];

describe('the Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const build = stages.get('build') ?? [];
  const runtime = stages.get('runtime') ?? [];

  it('builds on Node 20 with the dev dependencies, by the commands CI and package.json use', () => {
    expect(argsOf(build, 'FROM')).toEqual(['node:20-bookworm-slim AS build']);
    const runs = argsOf(build, 'RUN');
    // CI installs with `npm ci` (.ci/run); `npm run build` is package.json's build script.
    expect(read('.ci/run')).toMatch(/^npm ci\b/m);
    expect(runs).toContain('npm ci --no-audit --no-fund');
    expect(runs).toContain('npm run build');
    expect(packageJson.scripts.build).toBe('node scripts/build-if-stale.mjs --force');
  });

  it("runs with production dependencies only, as npm start's last step, as a non-root user", () => {
    expect(argsOf(runtime, 'FROM')).toEqual(['node:20-bookworm-slim AS runtime']);
    expect(argsOf(runtime, 'RUN').some((run) => run.startsWith('npm ci --omit=dev'))).toBe(true);
    // `npm start` builds when stale, then starts; the image is built already and has no build tools.
    const startSteps = (packageJson.scripts.start ?? '').split('&&').map((step) => step.trim());
    expect(execForm(argsOf(runtime, 'CMD')[0] ?? '[]').join(' ')).toBe(startSteps.at(-1));
    expect(read('README.md')).toContain('npm start');

    const user = argsOf(runtime, 'USER').at(-1) ?? 'root';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(argsOf(runtime, 'EXPOSE')).toEqual(['8000']);
    expect(argsOf(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    const env = argsOf(runtime, 'ENV').join(' ');
    expect(env).toContain('NODE_ENV=production');
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain('PORT=8000');
  });

  it('copies every file the server reads at run time', () => {
    const copied = argsOf(runtime, 'COPY').map((args) => {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      return (words.at(-1) ?? '').replace(/^\.\//, '').replace(/\/$/, '');
    });
    // Every projectPath('...') in the server names a file or folder under the project root.
    const readAtRunTime = new Set<string>(['dist/server/main.js']);
    const scan = (folder: string) => {
      for (const entry of readdirSync(join(root, folder))) {
        const path = `${folder}/${entry}`;
        if (statSync(join(root, path)).isDirectory()) scan(path);
        else if (path.endsWith('.ts')) {
          for (const call of read(path).matchAll(/projectPath\(([^)]*)\)/g)) {
            const parts = [...(call[1] ?? '').matchAll(/'([^']*)'/g)].map((m) => m[1]);
            if (parts.length > 0) readAtRunTime.add(parts.join('/'));
          }
        }
      }
    };
    scan('src');
    expect([...readAtRunTime]).toEqual(
      expect.arrayContaining(['package.json', 'drizzle', 'src/auth/common-passwords.txt', 'dist/web']),
    );
    for (const path of readAtRunTime) {
      const covered =
        path === 'package.json' || copied.some((dest) => path === dest || path.startsWith(`${dest}/`));
      expect(covered, `${path} is read at run time but not copied into the image`).toBe(true);
    }
    expect(argsOf(runtime, 'COPY')).toContain('--from=build /app/dist ./dist');
  });

  it('lets into the build context only what the build reads: never .env, data or node_modules', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(patterns[0]).toBe('*');
    const allowed = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/\/$/, ''));
    const buildInputs = /const inputs = \[([^\]]*)\]/.exec(read('scripts/build-if-stale.mjs'))?.[1] ?? '';
    const inputs = [...buildInputs.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
    expect(inputs.length).toBeGreaterThan(3);
    expect(allowed).toEqual(expect.arrayContaining([...inputs, 'scripts/build-if-stale.mjs']));
    for (const secret of ['.env', 'data', 'node_modules', 'dist', '.git'])
      expect(allowed).not.toContain(secret);
  });

  it('health-checks /healthz with node alone (no curl in the image)', async () => {
    const [healthcheck = ''] = argsOf(runtime, 'HEALTHCHECK');
    const command = execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const requested: string[] = [];
    let status = 200;
    const server = createServer((request, response) => {
      requested.push(request.url ?? '');
      response.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const probe = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, command.slice(1), {
          env: { ...process.env, PORT: String(port) },
        });
        child.once('exit', (code) => resolve(code));
      });
    try {
      expect(await probe()).toBe(0);
      status = 503;
      expect(await probe()).toBe(1);
      expect(requested).toEqual(['/healthz', '/healthz']);
    } finally {
      server.close();
    }
  });
});

interface ComposeService {
  image?: string;
  build?: unknown;
  deploy?: { replicas?: number };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  cap_drop?: string[];
  security_opt?: string[];
  read_only?: boolean;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
}

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as { name: string; services: Record<string, ComposeService> };
  const { services } = compose;

  it('runs the app, PostgreSQL 15, Redis 7 and Caddy, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'caddy', 'postgres', 'redis']);
    expect(services.postgres?.image).toMatch(/^postgres:15\b/);
    expect(services.redis?.image).toMatch(/^redis:7\b/);
    expect(services.caddy?.image).toMatch(/^caddy:2\b/);
    expect(services.app?.build).toBe('.');
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test.length, `${name} has no health check`).toBeGreaterThan(0);
    }
    expect(services.app?.healthcheck?.test.join(' ')).toContain('/healthz');
  });

  it('starts each service once what it needs is healthy', () => {
    expect(services.app?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(services.caddy?.depends_on).toEqual({ app: { condition: 'service_healthy' } });
  });

  it('drops every capability, forbids new privileges and keeps root filesystems read-only', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toContain('no-new-privileges:true');
      expect(service.read_only, name).toBe(true);
    }
    // Only the proxy is published; the app, the database and Redis are reached inside the network.
    for (const name of ['app', 'postgres', 'redis']) expect(services[name]?.ports, name).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variables, with their defaults
    expect(services.caddy?.ports).toEqual(['${HTTP_PORT:-80}:80', '${HTTPS_PORT:-443}:443']);
  });

  it('runs two app replicas as cluster members on the shared PostgreSQL and Redis, in production', () => {
    const app = services.app ?? {};
    expect(app.deploy?.replicas).toBe(2);
    const env = app.environment ?? {};
    expect(env.DATABASE_URL).toMatch(
      /^postgres:\/\/stocktracker:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//,
    );
    expect(env.REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
    expect(env.NODE_ENV).toBe('production');
    expect(env.PUBLIC_URL).toMatch(/https:\/\//);
    expect(env.TRUST_PROXY).toBe('true');
    // The app's configuration accepts what compose gives it, once compose has filled in .env's values.
    const filledIn = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        value.replace(/\$\{(\w+):([?-])([^}]*)\}/g, (_, _name, kind, rest) =>
          kind === '-' ? rest : 'secret1',
        ),
      ]),
    );
    const config = loadConfig(filledIn);
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://stocktracker:secret1@postgres:5432/stocktracker',
    });
    expect(config.redis?.url).toBe('redis://:secret1@redis:6379');
    expect(config.publicUrl?.origin).toBe('https://localhost');
    expect(config.host).toBe('0.0.0.0');
    // Docker waits longer than the app's own deadline before it kills.
    const stopSeconds = Number(/^(\d+)s$/.exec(app.stop_grace_period ?? '')?.[1]);
    expect(stopSeconds * 1000).toBeGreaterThan(config.shutdown.graceMs);
  });

  it('takes its secrets from .env, and .env.example lists every one it requires', () => {
    const required = new Set([...read('compose.yaml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]));
    expect([...required].sort()).toEqual(['POSTGRES_PASSWORD', 'REDIS_PASSWORD']);
    const example = read('.env.example');
    for (const name of required) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(read('.gitignore').split('\n')).toContain('.env');
  });

  it('puts Caddy in front of every replica, health-checked on /readyz, over HTTPS with its local CA', () => {
    expect(services.caddy?.volumes).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    const caddyfile = read('deploy/Caddyfile');
    const upstreams = /reverse_proxy\s+([^{]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/) ?? [];
    // Compose names replica i `<project>-app-<i>`.
    const replicas = services.app?.deploy?.replicas ?? 0;
    expect(upstreams).toEqual(
      Array.from({ length: replicas }, (_, i) => `${compose.name}-app-${i + 1}:8000`),
    );
    expect(caddyfile).toMatch(/^\s*health_uri \/readyz$/m);
    expect(caddyfile).toMatch(/^\s*tls internal$/m);
    expect(caddyfile).toMatch(/^\s*lb_try_duration \d+s$/m);
  });
});

const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((path) => existsSync(path));
if (!kubectl) {
  console.warn(
    '[tests] kubectl is not installed: the kustomize rendering test of deploy/kubernetes is skipped.',
  );
}

interface HttpProbe {
  httpGet: { path: string; port: string };
}
interface Container {
  ports: unknown[];
  readinessProbe: HttpProbe;
  livenessProbe: HttpProbe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  securityContext: unknown;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
}
/** The rendered objects, with the fields these tests read. */
interface Rendered {
  Namespace: { metadata: { name: string } };
  ConfigMap: { metadata: { name: string }; data: Record<string, string> };
  Secret: { metadata: { name: string }; stringData: Record<string, string> };
  Deployment: {
    spec: {
      template: {
        spec: {
          terminationGracePeriodSeconds: number;
          securityContext: { runAsNonRoot: boolean; runAsUser: number };
          containers: Container[];
        };
      };
    };
  };
  Service: { spec: { ports: Array<{ targetPort: string }> } };
  Ingress: { metadata: { annotations: Record<string, string> } };
  HorizontalPodAutoscaler: { spec: { minReplicas: number } };
  PodDisruptionBudget: { spec: { minAvailable: number } };
}

describe.skipIf(!kubectl)('deploy/kubernetes (kubectl kustomize)', () => {
  const render = () => {
    const result = spawnSync(kubectl ?? 'kubectl', ['kustomize', join(root, 'deploy/kubernetes')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as { kind: string });
  };
  const objects = render();
  const byKind = <K extends keyof Rendered>(kind: K) =>
    objects.find((o) => o.kind === kind) as unknown as Rendered[K];
  const podSpec = () => byKind('Deployment').spec.template.spec;
  const container = () => podSpec().containers[0] as Container;

  it('renders every object the app needs', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Namespace',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  it('probes readiness on /readyz and liveness on /healthz, and pauses before SIGTERM', () => {
    const pod = podSpec();
    const app = container();
    expect(app.readinessProbe.httpGet.path).toBe('/readyz');
    expect(app.livenessProbe.httpGet.path).toBe('/healthz');
    expect(app.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    const pause = Number(app.lifecycle.preStop.exec.command.at(-1));
    expect(pause).toBeGreaterThan(0);
    // Kubernetes counts the preStop pause in the grace period; the app's own deadline must come first.
    const configMap = byKind('ConfigMap');
    const graceMs = Number(configMap.data.SHUTDOWN_GRACE_MS ?? defaultGraceMs);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(pause * 1000 + graceMs);
    expect(configMap.data.PORT).toBe('8000');
    expect(configMap.data.NODE_ENV).toBe('production');
    expect(configMap.data.PUBLIC_URL).toMatch(/^https:\/\//);
  });

  it('runs non-root on a read-only filesystem with no capabilities, within set resources', () => {
    const pod = podSpec();
    const app = container();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(app.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(app.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(app.resources.limits.memory).toEqual(expect.any(String));
    const envFrom = app.envFrom.map((source) => (source.configMapRef ?? source.secretRef)?.name);
    expect(envFrom).toEqual([byKind('ConfigMap').metadata.name, byKind('Secret').metadata.name]);
  });

  it('keeps WebSocket streams through the ingress longer than the ping interval', () => {
    const annotations = byKind('Ingress').metadata.annotations;
    for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) {
      const seconds = Number(annotations[`nginx.ingress.kubernetes.io/${timeout}`]);
      expect(seconds * 1000, timeout).toBeGreaterThan(DEFAULT_HEARTBEAT_MS);
    }
  });

  it('scales between two and more replicas, and never drains them all at once', () => {
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBe(1);
    expect(byKind('Service').spec.ports[0]?.targetPort).toBe('http');
  });

  it('ships only placeholder secrets', () => {
    const secret = byKind('Secret').stringData;
    expect(Object.keys(secret).sort()).toEqual(['DATABASE_URL', 'FINNHUB_API_KEY', 'REDIS_URL']);
    for (const [name, value] of Object.entries(secret)) {
      expect(value === '' || value.includes('CHANGE-ME'), name).toBe(true);
    }
  });
});
