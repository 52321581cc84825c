/** hub.yaml `notify` and `http.tls` as an installer writes them: precise problems, secrets never echoed. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { HUB_YAML, makeTree, TREE_ENV, type TestTree } from '../helpers/tree.js';

let tree: TestTree | null = null;
afterEach(() => {
  tree?.remove();
  tree = null;
});

function load(extra: string, env: Record<string, string> = {}) {
  tree = makeTree();
  tree.write('config/hub.yaml', HUB_YAML + extra);
  return loadConfig(tree.root, { env: { ...TREE_ENV, ...env } });
}

describe('notify', () => {
  it('resolves each channel’s URL and secret from their references', () => {
    const r = load(
      'notify:\n  groups:\n    hecheng-team:\n      channels:\n        - { id: w, type: wecom, url_env: W_URL }\n' +
        '        - { id: d, type: dingtalk, url_env: D_URL, secret_env: D_SEC, format: markdown }\n',
      { W_URL: 'https://wecom.example/send?key=k-123', D_URL: 'https://ding.example/send?access_token=t', D_SEC: 'SECx' },
    );
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const g = r.config!.hub.notify!.groups['hecheng-team']!;
    expect(g.priorities).toEqual([1, 2, 3]);
    expect(g.channels.map((c) => [c.id, c.type, c.url, c.secret, c.format])).toEqual([
      ['w', 'wecom', 'https://wecom.example/send?key=k-123', null, 'text'],
      ['d', 'dingtalk', 'https://ding.example/send?access_token=t', 'SECx', 'markdown'],
    ]);
  });

  it('a channel without a URL reference is an error; an unset one a warning that never shows a value', () => {
    const missing = load('notify:\n  groups:\n    hecheng-team:\n      channels:\n        - { id: w, type: wecom }\n');
    expect(missing.problems.find((p) => p.path.startsWith('notify.groups.hecheng-team.channels[0]'))).toMatchObject({
      code: 'SG_CONFIG_MISSING_KEY',
      severity: 'error',
    });
    const unset = load('notify:\n  groups:\n    hecheng-team:\n      channels:\n        - { id: w, type: wecom, url_env: NOT_SET_ANYWHERE }\n');
    expect(unset.config).not.toBeNull();
    expect(unset.problems.find((p) => p.code === 'SG_CONFIG_SECRET_MISSING')).toMatchObject({
      severity: 'warning',
      path: 'notify.groups.hecheng-team.channels[0].url_env',
    });
  });

  it('a group no site names is a warning with the closest guard group', () => {
    const r = load('notify:\n  groups:\n    hecheng-teem:\n      channels:\n        - { id: w, type: wecom, url_env: W_URL }\n', {
      W_URL: 'https://x.example/',
    });
    const p = r.problems.find((x) => x.path === 'notify.groups.hecheng-teem');
    expect(p).toMatchObject({ code: 'SG_CONFIG_UNKNOWN_REFERENCE', severity: 'warning' });
    expect(p?.hint).toContain('hecheng-team');
    expect(p?.line).toBeGreaterThan(1);
  });

  it('two channels with one id are an error', () => {
    const r = load(
      'notify:\n  groups:\n    hecheng-team:\n      channels:\n        - { id: w, type: wecom, url_env: W_URL }\n' +
        '        - { id: w, type: http, url_env: W_URL }\n',
      { W_URL: 'https://x.example/' },
    );
    expect(r.problems.find((p) => p.code === 'SG_CONFIG_DUPLICATE_ID')?.path).toBe('notify.groups.hecheng-team.channels[1].id');
  });
});

describe('http.tls', () => {
  it('a certificate without its key is refused', () => {
    tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('http:\n  host: 127.0.0.1\n', 'http:\n  host: 127.0.0.1\n  tls: { cert: config/hub.crt }\n'));
    const r = loadConfig(tree.root, { env: TREE_ENV });
    expect(r.problems.find((p) => p.path.startsWith('http.tls'))).toMatchObject({ code: 'SG_CONFIG_MISSING_KEY', severity: 'error' });
    expect(r.config).toBeNull();
  });
});
