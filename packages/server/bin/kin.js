#!/usr/bin/env node
// The `kin` command. The sources are TypeScript; tsx compiles them on load, so `npx kin` works
// straight after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

// `kin … | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { runCli } = await import('../src/cli/kin-cli.ts');
process.exitCode = await runCli(process.argv);
