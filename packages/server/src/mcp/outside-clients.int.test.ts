// Real MCP clients nobody here wrote, run from the npm registry: the MCP Inspector in CLI mode, and
// the official conformance suite with a committed baseline (conformance-baseline.yml). Both need
// Node ≥ 22, fetched with `npx -p node@22`; the suite is skipped, and says so in its name, only
// when that cannot run here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT, startMcpWorld, type McpWorld } from './testing.js';

const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';
const BASELINE = fileURLToPath(new URL('./conformance-baseline.yml', import.meta.url));

/** Whether `npx -p node@22` runs here (the registry reachable, the package installable). */
function node22(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync('npx', ['-y', '-p', 'node@22', 'node', '--version'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (probe.status === 0 && /^v22\./.test(probe.stdout.trim())) return { ok: true };
  const why =
    probe.error?.message ?? probe.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${probe.status}`;
  return { ok: false, reason: `\`npx -p node@22\` cannot run here (${why})` };
}

const available = node22();
if (!available.ok) console.warn(`outside MCP clients skipped: ${available.reason}`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npx(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['-y', '-p', 'node@22', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The conformance runner cannot send headers, so it reaches /mcp through this gateway, which adds
 * the secret key and forwards everything else untouched — Host and Origin included, so the
 * DNS-rebinding scenario meets Joinery's own checks.
 */
async function authenticatingGateway(
  target: string,
  secretKey: string,
): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${secretKey}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.skipIf(!available.ok)(
  available.ok
    ? 'outside MCP clients against /mcp'
    : `outside MCP clients (skipped: ${available.reason})`,
  { timeout: 300_000 },
  () => {
    let world: McpWorld;
    let work: string;
    let inspectorEnv: Record<string, string>;

    const inspect = (...args: string[]) =>
      npx(
        [
          '-p',
          INSPECTOR,
          'mcp-inspector',
          '--cli',
          `${world.url}/mcp?tenant=${TENANT}`,
          '--transport',
          'http',
          '--header',
          `Authorization: Bearer ${world.secretKey}`,
          ...args,
        ],
        inspectorEnv,
      );

    beforeAll(async () => {
      world = await startMcpWorld();
      work = await mkdtemp(join(tmpdir(), 'joinery-outside-'));
      // The Inspector keeps a catalog of servers; it goes here, not into the home directory.
      inspectorEnv = { MCP_CATALOG_PATH: join(work, 'inspector-catalog.json') };
    }, 120_000);
    afterAll(async () => {
      await world?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('the MCP Inspector (CLI) lists the tools, and finds their schemas portable with --strict', async () => {
      const listed = await inspect('--method', 'tools/list', '--strict');
      expect(listed.code, listed.stderr).toBe(0);
      const names = (JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map(
        (t) => t.name,
      );
      expect(names).toEqual(
        expect.arrayContaining(['github-sandbox__get_repository', 'hubspot-sandbox__get_contact']),
      );
      // --strict reports each portability problem on stderr; there are none.
      expect(listed.stderr).not.toMatch(/Warning: tool|Error: tool/);
    });

    it('the MCP Inspector (CLI) calls a tool and gets the structured output; bad input comes back as invalid_input', async () => {
      const called = await inspect(
        '--method',
        'tools/call',
        '--tool-name',
        'github-sandbox__list_issues',
        '--tool-arg',
        'owner=octocat',
        '--tool-arg',
        'repo=hello-world',
        '--tool-arg',
        'limit=2',
      );
      expect(called.code, called.stderr).toBe(0);
      const result = JSON.parse(called.stdout) as {
        isError?: boolean;
        structuredContent: { output: { number: number }[]; requestId: string };
      };
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent.output).toHaveLength(2);
      expect(result.structuredContent.requestId).toMatch(/^req_/);

      const invalid = await inspect(
        '--method',
        'tools/call',
        '--tool-name',
        'github-sandbox__list_issues',
        '--tool-arg',
        'owner=octocat',
      );
      const error = JSON.parse(invalid.stdout) as {
        isError: boolean;
        structuredContent: { error: { code: string; path: string } };
      };
      expect(error.isError).toBe(true);
      expect(error.structuredContent.error).toMatchObject({
        code: 'invalid_input',
        path: 'input.repo',
      });
    });

    it('passes the official conformance server scenarios, except the baseline, each with its reason', async () => {
      const gateway = await authenticatingGateway(world.url, world.secretKey);
      try {
        const results = join(work, 'conformance');
        const run = await npx([
          '-p',
          CONFORMANCE,
          'conformance',
          'server',
          '--url',
          `${gateway.url}/mcp?tenant=${TENANT}`,
          '--suite',
          'all',
          '--expected-failures',
          BASELINE,
          '-o',
          results,
        ]);
        const failures: string[] = [];
        for (const dir of await readdir(results)) {
          const checks = JSON.parse(await readFile(join(results, dir, 'checks.json'), 'utf8')) as {
            id: string;
            status: string;
            errorMessage?: string;
          }[];
          for (const check of checks)
            if (check.status === 'FAILURE')
              failures.push(`${dir}: ${check.id}: ${check.errorMessage ?? ''}`);
        }
        // Exit 0: every failure is in the baseline, and every baseline entry still fails (the
        // runner exits 1 for a scenario that passes while listed, so the baseline cannot go stale).
        expect(run.code, `${run.stdout.slice(-1500)}\n${failures.join('\n')}`).toBe(0);
        const passed = new Map<string, boolean>();
        for (const dir of await readdir(results)) {
          const checks = JSON.parse(await readFile(join(results, dir, 'checks.json'), 'utf8')) as {
            status: string;
          }[];
          const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(dir)?.[1] ?? dir;
          passed.set(
            scenario,
            checks.every((check) => check.status !== 'FAILURE'),
          );
        }
        for (const scenario of [
          'server-initialize',
          'ping',
          'tools-list',
          'server-sse-multiple-streams',
          'dns-rebinding-protection',
        ])
          expect(passed.get(scenario), scenario).toBe(true);
      } finally {
        gateway.server.close();
      }
    });
  },
);
