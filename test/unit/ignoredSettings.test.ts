import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoredUserSettings } from '../../src/core/ignoredSettings';

describe('machine-scoped settings in the User settings of a remote window', () => {
  it('names those set there but not in effect, with the value to copy', () => {
    const text = `{
      // the user's own notes
      "editor.fontSize": 14,
      "decnet.database.path": "/srv/decnet/decnet.db", /* where DECNET is */
      "decnet.docker.host": "unix:///var/run/docker.sock",
      "decnet.fleet.endpoints": { "w1": "ssh://ops@10.0.0.1" },
      "decnet.statusBar.alwaysShow": true,
    }`;
    const effective: Record<string, unknown> = { 'decnet.docker.host': 'unix:///var/run/docker.sock' };
    assert.deepEqual(
      ignoredUserSettings(text, (k) => effective[k]),
      [
        { key: 'decnet.database.path', value: '"/srv/decnet/decnet.db"' },
        { key: 'decnet.fleet.endpoints', value: '{"w1":"ssh://ops@10.0.0.1"}' },
      ],
    );
  });

  it('finds none in text that is not settings, or when the Remote settings say the same', () => {
    assert.deepEqual(
      ignoredUserSettings('not json', () => undefined),
      [],
    );
    assert.deepEqual(
      ignoredUserSettings('[1, 2]', () => undefined),
      [],
    );
    assert.deepEqual(
      ignoredUserSettings('{"decnet.database.path": ""}', () => undefined),
      [],
    );
    assert.deepEqual(
      ignoredUserSettings('{"decnet.database.path": "/a"}', () => '/a'),
      [],
    );
  });
});
