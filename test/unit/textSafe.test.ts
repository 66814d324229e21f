// Control characters and bidi overrides from Docker or the database never reach a terminal raw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControl, escapeTerminal, safeJson } from '../../src/core/textSafe';

describe('escaping text for a terminal', () => {
  it('escapes C0 (ESC, CR, LF, NUL), DEL, C1 and the bidi overrides and isolates', () => {
    assert.equal(escapeControl('maze\x1b[31mred\x1b[0m'), 'maze\\x1b[31mred\\x1b[0m');
    assert.equal(escapeControl('a\r\nb\tc\0'), 'a\\r\\nb\\tc\\x00');
    assert.equal(escapeControl('x\x7fy\x9b31mz\x85'), 'x\\x7fy\\x9b31mz\\x85');
    assert.equal(escapeControl('evil\u202Egnp.exe\u2066\u2069\u202A'), 'evil\\u202egnp.exe\\u2066\\u2069\\u202a');
    assert.equal(escapeControl('decnet_t_3f2a9c1e_dmz ü 172.16.5.0/24'), 'decnet_t_3f2a9c1e_dmz ü 172.16.5.0/24');
    // Invisible characters that make two names, or two paths, look the same.
    assert.equal(escapeControl('/srv/decnet.db\u200b'), '/srv/decnet.db\\u200b');
    assert.equal(escapeControl('a\ufeffb\u00adc\u2060d\u200fe'), 'a\\ufeffb\\xadc\\u2060d\\u200fe');
  });

  it('keeps line breaks in text, and JSON parseable with the same values', () => {
    assert.equal(escapeTerminal('line 1\x1b]0;title\x07\nline 2\r'), 'line 1\\x1b]0;title\\x07\nline 2\\r');
    const value = { name: 'a\x1b[31m\x7f\x9b\u202Eb' };
    const json = safeJson(value);
    assert.doesNotMatch(json, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    assert.deepEqual(JSON.parse(json), value);
  });
});
