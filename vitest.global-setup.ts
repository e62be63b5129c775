import { execFileSync } from 'node:child_process';
import process from 'node:process';

// Tests that start real processes run the compiled code; build it once (incremental) first.
// JOINERY_TEST_SKIP_BUILD=1 skips this when the build is known to be fresh.
export default function setup(): void {
  if (process.env.JOINERY_TEST_SKIP_BUILD === '1') return;
  execFileSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
}
