#!/usr/bin/env node
// The `kin` command. The sources are TypeScript; tsx compiles them on load, so `npx kin` works
// straight after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/kin-cli.ts');
process.exitCode = await runCli(process.argv);
