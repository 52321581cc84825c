/**
 * Issue 19: one YAML syntax mistake is one problem, with its line and column and the character that
 * caused it — a tab at its line, an unclosed bracket at the line where it opens.
 */
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/source.js';
import { formatProblem } from '../../src/config/report.js';

const SITE = `site:
  id: shop-x
  name: 测试便利店
  location: [26.59, 104.83]
devices:
  - id: panel-1
    profile: native
    topic: safegrid/shop-x/panel-1
    heartbeat: 60s
    zones:
      1: { name: 前门, type: entry }
cameras:
  - id: cam-1
    rtsp: rtsp://192.0.2.10/stream1
    zones: [1]
`;

const problemsOf = (text: string) => parseSource('devices/shop-x.yaml', text).problems;

describe('a YAML syntax error in a site file', () => {
  it('is clean as shipped', () => {
    expect(problemsOf(SITE)).toEqual([]);
  });

  it('a tab used for indentation: one problem at the tab, naming it', () => {
    const problems = problemsOf(SITE.replace('    heartbeat: 60s', '\theartbeat: 60s'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'SG_CONFIG_PARSE', line: 9 });
    expect(formatProblem(problems[0]!)).toBe(
      'devices/shop-x.yaml:9  not valid YAML: a tab character used for indentation at column 1; YAML indents with spaces only',
    );
    expect(formatProblem(problems[0]!, 'zh-CN')).toContain('制表符');
  });

  it('a tab after spaces is found at its column', () => {
    const problems = problemsOf(SITE.replace('    profile: native', '  \t  profile: native'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 7, text: { code: 'YAML_TAB', params: { column: 3 } } });
  });

  it('an unclosed [ is reported at the line where it opens, with its column', () => {
    const problems = problemsOf(SITE.replace('location: [26.59, 104.83]', 'location: [26.59, 104.83'));
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toBe('devices/shop-x.yaml:4  not valid YAML: "[" opened at column 13 is never closed; add the matching "]"');
  });

  it('an unclosed { is reported at its line too', () => {
    const problems = problemsOf(SITE.replace('1: { name: 前门, type: entry }', '1: { name: 前门, type: entry'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 11, text: { code: 'YAML_UNCLOSED', params: { char: '{', column: 10 } } });
  });

  it('a [ inside plain text or quotes is not taken for a list', () => {
    const text = SITE.replace('name: 测试便利店', 'name: "柜台[1"').replace('rtsp://192.0.2.10/stream1', 'rtsp://192.0.2.10/stream[1');
    expect(problemsOf(text)).toEqual([]);
  });

  it('any other syntax error is one problem with the line, column and character', () => {
    const problems = problemsOf(SITE.replace('  id: shop-x\n', '  id: shop-x\n  id: shop-y\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, text: { code: 'YAML_OTHER' } });
    expect(problems[0]!.message).toMatch(/column \d+, at "i"/);
  });
});
