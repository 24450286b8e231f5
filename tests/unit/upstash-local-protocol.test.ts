import { describe, expect, it } from 'vitest';
import { createScriptRewriter, sha1Hex, stripShebang } from '../../scripts/upstash-local/lua-scripts';
import {
  BadRequestError,
  encodeReply,
  parseCommand,
  parseCommandBatch,
  type RedisReply,
} from '../../scripts/upstash-local/protocol';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('encodeReply', () => {
  it.each<[string, RedisReply, boolean, unknown]>([
    ['bulk string, base64', Buffer.from('中文'), true, b64('中文')],
    ['bulk string, plain', Buffer.from('中文'), false, '中文'],
    ['binary bytes stay exact in base64', Buffer.from([0xff, 0x00, 0x80]), true, '/wCA'],
    ['integer', 42, true, 42],
    ['null', null, true, null],
    ['nested arrays', [Buffer.from('a'), 1, [Buffer.from('b'), null]], true, [b64('a'), 1, [b64('b'), null]]],
    ['error inside an array', [new Error('ERR boom')], false, ['ERR boom']],
    ['status reply as string', 'OK', true, b64('OK')],
  ])('%s', (_name, reply, base64, expected) => {
    expect(encodeReply(reply, base64)).toEqual(expected);
  });
});

describe('parseCommand / parseCommandBatch', () => {
  it('stringifies numbers and booleans as the client sends them', () => {
    expect(parseCommand(['SET', 'k', 10, true])).toEqual(['SET', 'k', '10', 'true']);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['not an array', () => parseCommand({ a: 1 }), /must be a JSON array/],
    ['empty command', () => parseCommand([]), /empty command/],
    [
      'object argument',
      () => parseCommand(['SET', 'k', { a: 1 }]),
      /argument 2 must be a string or a number/,
    ],
    ['connection-state command', () => parseCommand(['select', 1]), /not available over REST: 'select'/],
    ['batch of non-arrays', () => parseCommandBatch(['GET', 'k']), /JSON array of commands/],
    ['empty batch', () => parseCommandBatch([]), /empty list/],
  ])('rejects %s', (_name, parse, message) => {
    expect(parse).toThrow(BadRequestError);
    expect(parse).toThrow(message);
  });
});

describe('Lua shebang handling', () => {
  const original = '#!lua flags=allow-key-locking\nreturn 1';

  it('strips the shebang but keeps line numbers', () => {
    expect(stripShebang(original)).toBe('\nreturn 1');
    expect(stripShebang('return 1')).toBeUndefined();
  });

  it('maps EVALSHA of the original hash to the hash of the stripped script once seen', () => {
    const rewriter = createScriptRewriter();
    const evalsha = ['evalsha', sha1Hex(original), '0'];
    expect(rewriter.prepareCommand(evalsha).command).toEqual(evalsha);
    expect(rewriter.prepareCommand(['EVAL', original, '0']).command).toEqual(['EVAL', '\nreturn 1', '0']);
    expect(rewriter.prepareCommand(evalsha).command).toEqual(['evalsha', sha1Hex('\nreturn 1'), '0']);
  });

  it('SCRIPT LOAD loads the stripped text and answers the original hash', () => {
    const prepared = createScriptRewriter().prepareCommand(['script', 'load', original]);
    expect(prepared.command).toEqual(['script', 'load', '\nreturn 1']);
    expect(prepared.mapReply(Buffer.from(sha1Hex('\nreturn 1')))).toBe(sha1Hex(original));
  });
});
