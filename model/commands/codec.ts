// Rebuilding commands from data (model/commands/data.ts), for `kvlab replay` and the every-step checker.

import { KvError } from '../../src/engine/errors.js';
import { BatchCommand } from './batch.js';
import { CompactCommand } from './compact.js';
import { CrashCommand } from './crash.js';
import type fc from 'fast-check';
import type { KvModel } from '../model.js';
import type { SimSystem } from '../system.js';
import type { CommandData } from './data.js';
import { DamageCommand } from './damage.js';
import { DelCommand } from './del.js';
import { GetCommand } from './get.js';
import type { KvCommand } from './index.js';
import { IoErrorCommand } from './io-error.js';
import { PutCommand } from './put.js';
import { ReopenCommand } from './reopen.js';
import { ScanCommand } from './scan.js';
import { SnapshotCommand } from './snapshot.js';
import { SyncCommand } from './sync.js';

/** The command a piece of data stands for. Throws INVALID_ARGUMENT on data of no known type. */
export function commandFromData(data: CommandData): KvCommand {
  switch (data.type) {
    case 'put':
      return new PutCommand(data.key, data.value);
    case 'del':
      return new DelCommand(data.key);
    case 'batch':
      return new BatchCommand(data.ops);
    case 'get':
      return new GetCommand(data.key);
    case 'scan':
      return new ScanCommand(data.from, data.to, data.limit);
    case 'snapshot':
      return new SnapshotCommand();
    case 'compact':
      return new CompactCommand();
    case 'sync':
      return new SyncCommand();
    case 'reopen':
      return new ReopenCommand();
    case 'crash':
      return new CrashCommand(data.op, data.atStep, data.spec, data.recoveryCrashStep);
    case 'io-error':
      return new IoErrorCommand(data.op, data.atStep, data.errno, data.writtenBytes);
    case 'damage':
      return new DamageCommand(data.file, data.offsetPick, data.how);
    default:
      throw new KvError(
        'INVALID_ARGUMENT',
        `unknown command type ${JSON.stringify((data as { type?: unknown }).type)}`,
      );
  }
}

/**
 * The data of the commands of a fast-check counterexample that ran. fast-check hands them back wrapped
 * (CommandWrapper: the command in .cmd, and whether it ran in .hasRan), and its types forget toJSON.
 */
export function ranCommandsToData(
  commands: Iterable<fc.Command<KvModel, SimSystem>>,
): CommandData[] {
  return [...commands]
    .map(
      (c) =>
        c as fc.Command<KvModel, SimSystem> & {
          cmd?: fc.Command<KvModel, SimSystem>;
          hasRan?: boolean;
        },
    )
    .filter((c) => c.hasRan !== false)
    .map((c) => commandToData(c.cmd ?? c));
}

function commandToData(command: fc.Command<KvModel, SimSystem>): CommandData {
  const withData = command as Partial<KvCommand>;
  if (typeof withData.toJSON !== 'function')
    throw new KvError('INTERNAL', `command ${command.toString()} cannot be saved`);
  return withData.toJSON();
}
