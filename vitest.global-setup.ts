import { execFileSync } from 'node:child_process';

// Tests that start real processes run the compiled CLI; build it once (incremental) first.
export default function setup(): void {
  execFileSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
}
