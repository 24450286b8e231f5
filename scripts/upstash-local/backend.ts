// What the HTTP layer needs from where the data lives. Types only: the implementations import this
// file, and open-backend.ts chooses among them, so nothing here imports an implementation.
import type { CommandOutcome, RedisReply } from './protocol';

export type BackendKind = 'redis-url' | 'redis-server' | 'in-process';

export interface RedisBackend {
  kind: BackendKind;
  /** Where the data lives, for humans: a redis:// URL (password masked) or a description. */
  target: string;
  /** Resolves with the raw reply; rejects with CommandError when Redis answers an error. */
  run(command: string[]): Promise<RedisReply>;
  /** MULTI/EXEC; rejects with CommandError (EXECABORT …) when Redis discards the transaction. */
  runTransaction(commands: string[][]): Promise<CommandOutcome[]>;
  close(): Promise<void>;
}
