/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`): the functions with the most
 * self time, and self time grouped by where the code lives (a package, a node: module, GC).
 * Format: https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of the time the process was busy (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  topFunctions: SelfTime[];
  byArea: SelfTime[];
}

const IDLE = '(idle)';

export function summariseCpuProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfByNode = new Map<number, number>();
  // A sample stands for the time until the next one (the last gets none: it has no successor).
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of selfByNode) {
    const frame = frames.get(id);
    if (!frame) continue;
    const area = areaOf(frame);
    if (area === IDLE) continue;
    busyMs += ms;
    const name = functionLabel(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
  }
  const rank = (totals: Map<string, number>, limit: number): SelfTime[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, selfMs]) => ({
        name,
        selfMs: Math.round(selfMs),
        percent: busyMs > 0 ? Math.round((selfMs / busyMs) * 1000) / 10 : 0,
      }));
  return {
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyMs),
    topFunctions: rank(byFunction, top),
    byArea: rank(byArea, top),
  };
}

/** `name (file:line)`, with the path shortened to the part after node_modules/ or the repo root. */
function functionLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${shortPath(frame.url)}:${frame.lineNumber + 1})`;
}

function shortPath(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const packages = url.indexOf('/packages/');
  if (packages >= 0) return url.slice(packages + 1);
  return url.replace(/^file:\/\//, '');
}

/** Where a frame's code lives: an npm package, a Joinery package, a node: module, or V8 itself. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' && parts[1] ? `internal/${parts[1]}` : parts[0]}`;
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    // Workspaces are symlinked into node_modules but resolve to packages/; keep this as a fallback.
    return name ?? url;
  }
  const packages = /\/packages\/([^/]+)\//.exec(url);
  if (packages) return `@joinery/${packages[1]}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}
