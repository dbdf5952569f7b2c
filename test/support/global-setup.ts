import { execFileSync } from 'node:child_process';

/** Builds dist/ once: the process-level specs run the real `node dist/main.js` and the token CLI. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
