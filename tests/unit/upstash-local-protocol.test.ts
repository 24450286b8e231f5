import { describe, expect, it } from 'vitest';
import { createShebangRewriter, sha1Hex } from '../../scripts/upstash-local/lua-shebang';
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
    ['integer, base64 asked', 42, true, 42],
    ['null', null, true, null],
    ['nested arrays', [Buffer.from('a'), 1, [Buffer.from('b'), null]], true, [b64('a'), 1, [b64('b'), null]]],
    ['error inside an array (EVAL, EXEC)', [new Error('ERR boom')], false, ['ERR boom']],
    ['string from the in-process emulation', 'OK', true, b64('OK')],
    ['boolean from the in-process emulation', true, false, 1],
  ])('%s', (_name, reply, base64, expected) => {
    expect(encodeReply(reply, base64)).toEqual(expected);
  });
});

describe('parseCommand / parseCommandBatch', () => {
  it('stringifies numbers and booleans as the client sends them', () => {
    expect(parseCommand(['SET', 'k', 10, true])).toEqual(['SET', 'k', '10', 'true']);
    expect(
      parseCommandBatch([
        ['GET', 'k'],
        ['INCR', 'n'],
      ]),
    ).toEqual([
      ['GET', 'k'],
      ['INCR', 'n'],
    ]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['not an array', () => parseCommand({ a: 1 }), /must be a JSON array/],
    ['empty command', () => parseCommand([]), /empty command/],
    [
      'object argument',
      () => parseCommand(['SET', 'k', { a: 1 }]),
      /argument 2 must be a string or a number/,
    ],
    ['null argument', () => parseCommand(['GET', null]), /argument 1 must be a string or a number/],
    ['batch of non-arrays', () => parseCommandBatch(['GET', 'k']), /JSON array of commands/],
    ['empty batch', () => parseCommandBatch([]), /non-empty JSON array/],
    [
      'bad command inside a batch',
      () => parseCommandBatch([['GET', 'k'], []]),
      /Command 2 is an empty command/,
    ],
  ])('rejects %s', (_name, parse, message) => {
    expect(parse).toThrow(BadRequestError);
    expect(parse).toThrow(message);
  });
});

describe('Lua shebang rewriting', () => {
  const original = '#!lua flags=allow-key-locking\nreturn 1';
  const stripped = '\nreturn 1';

  it.each([
    ['EVAL strips the shebang, keeping line numbers', ['EVAL', original, '0'], ['EVAL', stripped, '0']],
    ['EVAL_RO too', ['eval_ro', original, '0'], ['eval_ro', stripped, '0']],
    ['EVAL without a shebang is unchanged', ['EVAL', 'return 1', '0'], ['EVAL', 'return 1', '0']],
    [
      'a `#!lua` later in the script is not a shebang',
      ['EVAL', `x\n${original}`, '0'],
      ['EVAL', `x\n${original}`, '0'],
    ],
    ['other commands are unchanged', ['SET', original, 'v'], ['SET', original, 'v']],
  ])('%s', (_name, command, expected) => {
    expect(createShebangRewriter()(command)).toEqual(expected);
  });

  it('maps EVALSHA of the client’s hash to the hash Redis knows, once the EVAL was seen', () => {
    const rewrite = createShebangRewriter();
    const evalsha = ['EVALSHA', sha1Hex(original), '1', 'k'];
    // Before: unchanged, so Redis answers NOSCRIPT and the client falls back to EVAL.
    expect(rewrite(evalsha)).toEqual(evalsha);
    rewrite(['EVAL', original, '1', 'k']);
    expect(rewrite(evalsha)).toEqual(['EVALSHA', sha1Hex(stripped), '1', 'k']);
    expect(rewrite(['evalsha_ro', sha1Hex(original).toUpperCase(), '0'])).toEqual([
      'evalsha_ro',
      sha1Hex(stripped),
      '0',
    ]);
  });
});
