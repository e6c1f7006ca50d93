// Entry of every worker thread Kin starts (see thread-start.ts). Why a .mjs file: a worker thread does not
// inherit the TypeScript loader of the thread that starts it, so it registers tsx itself, then loads the
// TypeScript module named in its workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
