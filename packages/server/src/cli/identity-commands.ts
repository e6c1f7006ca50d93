/** `kin explain REF` and `kin replay`: identity you can trust, from the command line. */
import type { Command } from 'commander';
import { RULE_NUMBERS } from '@kin/core';
import { resolveProfileRef } from '../http/profile-routes.ts';
import { normalizerFor, resolveDepsFor } from '../identity/policy-load.ts';
import type { ReplayReport } from '../pipeline/graph-replay.ts';
import { replayAll } from '../pipeline/graph-replay.ts';
import { systemClock } from '../ports/clock.ts';
import type { ProfileExplanation } from '../storage/storage.ts';
import { loadCliPolicy, withCliStore } from './cli-store.ts';
import { CliError } from './kin-cli.ts';
import { createProgressBar } from './progress-bar.ts';

/** Registers `kin explain` and `kin replay`. */
export function registerIdentityCommands(program: Command): void {
  program
    .command('explain')
    .description('explain a profile: how each identifier joined, every merge, every refused identifier')
    .argument('<ref>', 'profile id or type:value')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .option('--json', 'print JSON instead of text')
    .action(async (ref: string, flags: { db?: string; policy?: string; json?: boolean }) => {
      const normalize = normalizerFor(loadCliPolicy(flags.policy));
      const explanation = await withCliStore(flags.db, async (store) => {
        const id = await resolveProfileRef({ store, normalize }, ref);
        return id ? store.explainProfile(id) : undefined;
      });
      if (!explanation) throw new CliError(`no profile matches ${ref}`, 3);
      process.stdout.write(flags.json ? JSON.stringify(explanation, null, 2) + '\n' : formatExplanation(explanation));
    });

  program
    .command('replay')
    .description('rebuild identities and profiles from the stored events under the current policy (stop Kin first)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (KIN_DB)')
    .option('--policy <file>', 'identity policy JSON file (KIN_POLICY)')
    .option('--batch <n>', 'events per transaction', '5000')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { db?: string; policy?: string; batch: string; json?: boolean }) => {
      const batchSize = Number(flags.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError('--batch must be a positive integer', 2);
      const policy = loadCliPolicy(flags.policy);
      const bar = createProgressBar(process.stderr, 'replaying');
      const report = await withCliStore(flags.db, (store) =>
        replayAll({ store, ...resolveDepsFor(policy, store), at: systemClock.now().toISOString(), batchSize, onProgress: bar.update }),
      ).catch((error: unknown) => {
        bar.done();
        throw error;
      });
      bar.done();
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatReplayReport(report));
    });
}

const ref = (i: { type: string; value: string }) => `${i.type}:${i.value}`;
const number = (rule: string | undefined) =>
  rule !== undefined && Object.hasOwn(RULE_NUMBERS, rule) ? ` (${RULE_NUMBERS[rule as keyof typeof RULE_NUMBERS]})` : '';

/** The readable form of an explanation. */
export function formatExplanation(e: ProfileExplanation): string {
  const lines: string[] = [];
  const p = e.profile;
  lines.push(`Profile ${p.id}  created ${p.createdAt}  updated ${p.updatedAt}`);
  if (p.mergedFrom.length > 0) lines.push(`  absorbed ids: ${p.mergedFrom.join(', ')}`);
  lines.push('', 'Identifiers');
  for (const i of e.identifiers) {
    const how =
      i.messageId === undefined
        ? 'linked before provenance was kept'
        : `linked by ${i.rule ?? '?'}${number(i.rule)}, event ${i.messageId} from source ${i.sourceId} at ${i.linkedAt ?? i.firstSeen}`;
    lines.push(`  ${ref(i)}  ${how}; last seen ${i.lastSeen}`);
  }
  lines.push('', 'Merges and separations');
  if (e.merges.length === 0) lines.push('  none');
  for (const m of e.merges) {
    if (m.rule === 'undo' || m.rule === 'split') {
      lines.push(`  ${m.createdAt}  ${m.rule} ${m.id}: do-not-link rule ${m.ruleId ?? '?'} (${m.via.map(ref).join(', ')} kept apart)`);
    } else {
      const undone = m.undoneBy ? `  [undone by ${m.undoneBy}]` : '';
      lines.push(
        `  ${m.createdAt}  ${m.rule}${number(m.rule)} ${m.id}: ${m.absorbedId} into ${m.survivorId} via ${m.via.map(ref).join(', ')}, event ${m.messageId} from source ${m.sourceId}${undone}`,
      );
    }
  }
  lines.push('', 'Refused identifiers');
  if (e.refusals.length === 0) lines.push('  none');
  for (const r of e.refusals)
    lines.push(`  ${r.at}  ${ref(r)}  ${r.reason}${number(r.reason)}: ${r.detail}; event ${r.messageId} from source ${r.sourceId}`);
  if (e.doNotLink.length > 0) {
    lines.push('', 'Do-not-link rules');
    for (const rule of e.doNotLink)
      lines.push(
        `  ${rule.id} (${rule.reason}, ${rule.createdAt}): [${rule.sides[0].map(ref).join(', ')}] apart from [${rule.sides[1].map(ref).join(', ')}]`,
      );
  }
  if (e.tombstones.length > 0) {
    lines.push('', 'Removed identifiers (tombstones)');
    for (const t of e.tombstones) lines.push(`  ${ref(t)}  removed ${t.createdAt}`);
  }
  if (p.consent && Object.keys(p.consent).length > 0) {
    lines.push('', 'Consent');
    for (const [category, c] of Object.entries(p.consent))
      lines.push(`  ${category}: ${c.granted ? 'granted' : 'denied'} (${c.timestamp})`);
  }
  return lines.join('\n') + '\n';
}

/** The readable form of a replay report. */
export function formatReplayReport(r: ReplayReport): string {
  const refused =
    Object.entries(r.refused)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ') || 'none';
  const lines = [
    `Replayed ${r.events} events.`,
    `Profiles: ${r.profilesBefore} before, ${r.profilesAfter} after; ${r.profilesSplit} split, ${r.profilesMerged} merged.`,
    `Identifiers: ${r.identifiersDroppedCount} no longer linked, ${r.identifiersAddedCount} newly linked.`,
    `Refusals during the replay: ${refused}.`,
  ];
  if (r.identifiersDropped.length > 0)
    lines.push(
      `No longer linked${r.identifiersDroppedCount > r.identifiersDropped.length ? ' (first 100)' : ''}: ${r.identifiersDropped.join(', ')}`,
    );
  return lines.join('\n') + '\n';
}
